import Foundation
import Ledger
import Testing
import TestSupport

/// The SQLite ledger on real files: claims, completion in one transaction, unfinished work after a
/// reopen (what a restart repairs), one row per content hash, events and summaries.
struct LedgerTests {
    static func open(_ dir: TemporaryDirectory) throws -> Ledger {
        try Ledger(path: dir.file("ledger.sqlite").path)
    }

    static func claim(_ ledger: Ledger, _ hash: String, label: String = "cats") throws -> (OriginalRecord, Bool) {
        try ledger.claim(hash: hash, label: label, split: "train", sourceName: "\(hash).jpg", inbox: "/in",
                         profile: "p", profileHash: "ph", now: 100)
    }

    @Test func claimThenCompleteRecordsVariantsAtomically() throws {
        let dir = try TemporaryDirectory("ledger")
        let ledger = try Self.open(dir)
        let (record, isNew) = try Self.claim(ledger, "aa")
        #expect(isNew && record.status == .processing)
        let variants = (1...3).map { VariantRecord(index: $0, path: "/d/x-aug\($0).png", format: "png", parametersJSON: "{\"k\":\($0)}") }
        try ledger.complete(id: record.id, originalPath: "/d/x.jpg", variants: variants, now: 200)
        let done = try #require(try ledger.original(hash: "aa"))
        #expect(done.status == .done && done.originalPath == "/d/x.jpg" && done.updatedAt == 200)
        #expect(try ledger.variants(of: record.id) == variants)
        #expect(try ledger.unfinished().isEmpty)
    }

    @Test func theSameBytesAreClaimedOnce() throws {
        let dir = try TemporaryDirectory("ledger")
        let ledger = try Self.open(dir)
        let first = try Self.claim(ledger, "bb")
        let second = try Self.claim(ledger, "bb", label: "dogs")
        #expect(first.1 && !second.1)
        #expect(second.0.id == first.0.id && second.0.label == "cats")
    }

    @Test func unfinishedWorkSurvivesAReopen() throws {
        let dir = try TemporaryDirectory("ledger")
        do {
            let ledger = try Self.open(dir)
            _ = try Self.claim(ledger, "cc")
            let (done, _) = try Self.claim(ledger, "dd")
            try ledger.complete(id: done.id, originalPath: "/d/dd.jpg", variants: [])
        }
        let reopened = try Self.open(dir)
        #expect(try reopened.unfinished().map(\.hash) == ["cc"])
        #expect(try reopened.original(hash: "dd")?.status == .done)
    }

    @Test func completingAnUnknownOriginalChangesNothing() throws {
        let dir = try TemporaryDirectory("ledger")
        let ledger = try Self.open(dir)
        #expect(throws: LedgerError.self) {
            try ledger.complete(id: 42, originalPath: "/x", variants: [VariantRecord(index: 1, path: "/x1", format: "png", parametersJSON: "{}")])
        }
        // The transaction rolled back: no orphan variant rows.
        #expect(try ledger.variants(of: 42).isEmpty)
    }

    @Test func eventsAndSummaryPerInboxAndLabel() throws {
        let dir = try TemporaryDirectory("ledger")
        let ledger = try Self.open(dir)
        let (a, _) = try Self.claim(ledger, "e1")
        try ledger.complete(id: a.id, originalPath: "/d/a", variants: [VariantRecord(index: 1, path: "/d/a1", format: "png", parametersJSON: "{}")])
        _ = try Self.claim(ledger, "e2")
        try ledger.record(.failed, inbox: "/in", path: "/in/cats/x.png", label: "cats", reason: "truncated PNG: premature end of data")
        try ledger.record(.duplicate, inbox: "/in", path: "/in/cats/y.png", hash: "e1", label: "cats", reason: "same bytes as /d/a")
        let summary = try ledger.summary()
        #expect(summary.count == 1)
        let cats = try #require(summary.first)
        #expect(cats.inbox == "/in" && cats.label == "cats")
        #expect(cats.originals == 1 && cats.pending == 1 && cats.variants == 1)
        #expect(cats.events[.failed] == 1 && cats.events[.duplicate] == 1)
        #expect(cats.lastError == "truncated PNG: premature end of data")
    }

    @Test func usesWALAndRefusesANewerSchema() throws {
        let dir = try TemporaryDirectory("ledger")
        _ = try Self.open(dir)
        #expect(FileManager.default.fileExists(atPath: dir.file("ledger.sqlite-wal").path)
                || FileManager.default.fileExists(atPath: dir.file("ledger.sqlite").path))
        // A ledger written by a newer augmentd is not silently downgraded.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99'); c.commit()",
                             dir.file("ledger.sqlite").path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        do {
            _ = try Self.open(dir)
            Issue.record("a newer schema was accepted")
        } catch {
            #expect((error as? LedgerError)?.message.contains("newer than this augmentd") == true)
        }
    }
}

/// Retraining records: a success marks exactly its own originals trained, once; anything else
/// leaves them pending; files done during a run wait for the next one.
struct LedgerRetrainTests {
    static func doneOriginal(_ ledger: Ledger, _ hash: String, label: String = "cats", now: Double) throws -> Int64 {
        let (record, _) = try ledger.claim(hash: hash, label: label, split: "train", sourceName: "\(hash).png", inbox: "/in",
                                           profile: "p", profileHash: "ph", now: now)
        try ledger.complete(id: record.id, originalPath: "dataset/train/\(label)/\(hash).png",
                            variants: [VariantRecord(index: 1, path: "dataset/train/\(label)/\(hash)-aug1.png", format: "png",
                                                     parametersJSON: "{}")], now: now)
        return record.id
    }

    @Test func aSuccessMarksItsOwnOriginalsTrainedAndAFailureNone() throws {
        let dir = try TemporaryDirectory("ledger-retrain")
        let ledger = try Ledger(path: dir.file("ledger.sqlite").path)
        let a = try Self.doneOriginal(ledger, "aa", now: 1), b = try Self.doneOriginal(ledger, "bb", label: "dogs", now: 2)
        #expect(try ledger.retrainState().untrainedOriginals == 2)
        #expect(try ledger.untrainedOriginals().map(\.variants.count) == [1, 1])

        try ledger.startRun(id: "r1", trigger: "policy", startedAt: 10, originalIDs: [a, b], variants: 2, logPath: "l", manifestPath: "m")
        try ledger.finishRun(id: "r1", result: .failed, exitCode: 1, signal: nil, endedAt: 11)
        #expect(try ledger.retrainState().untrainedOriginals == 2)

        try ledger.startRun(id: "r2", trigger: "policy", startedAt: 20, originalIDs: [a, b], variants: 2, logPath: "l", manifestPath: "m")
        _ = try Self.doneOriginal(ledger, "cc", now: 21)   // done while r2 runs: not in its manifest
        try ledger.finishRun(id: "r2", result: .succeeded, exitCode: 0, signal: nil, endedAt: 22)
        #expect(try ledger.trainedRun(ofHash: "aa") == "r2" && ledger.trainedRun(ofHash: "bb") == "r2")
        #expect(try ledger.trainedRun(ofHash: "cc") == nil)
        let state = try ledger.retrainState()
        #expect(state.untrainedOriginals == 1 && state.untrainedPerLabel == ["cats": 1])
        #expect(state.lastStart == 20 && state.lastSuccess == 22 && state.lastArrival == 21)

        // Recording an end twice changes nothing, and no original is ever re-marked by another run.
        try ledger.finishRun(id: "r2", result: .failed, exitCode: 1, signal: nil, endedAt: 30)
        #expect(try ledger.recentRuns().first?.result == .succeeded)
        try ledger.startRun(id: "r3", trigger: "manual", startedAt: 40, originalIDs: [a], variants: 1, logPath: "l", manifestPath: "m")
        try ledger.finishRun(id: "r3", result: .succeeded, exitCode: 0, signal: nil, endedAt: 41)
        #expect(try ledger.trainedRun(ofHash: "aa") == "r2")
        #expect(try ledger.runCounts() == ["failed": 1, "succeeded": 2])
    }
}

/// Damage found before the daemon trusts a ledger: a file cut short is named even when the part cut
/// off held only free pages (which `quick_check` never reads).
struct LedgerDamageTests {
    @Test func aLedgerCutShortIsDamagedEvenWhenOnlyFreePagesWereLost() throws {
        let dir = try TemporaryDirectory("ledger-damage")
        let path = dir.file("ledger.sqlite").path
        do {
            let ledger = try Ledger(path: path)
            // Many claims, then all released: their pages are free, at the end of the file.
            let ids = try (0..<400).map { n in
                try ledger.claim(hash: String(repeating: "\(n % 10)", count: 64) + "\(n)", label: "cats", split: "train",
                                 sourceName: String(repeating: "x", count: 200) + "\(n).png", inbox: "/in",
                                 profile: "p", profileHash: "ph", now: 1).0.id
            }
            for id in ids { try ledger.releaseClaim(id: id) }
        }
        #expect(Ledger.damage(at: path) == nil, "a sound ledger was called damaged")
        // Cut off only free *leaf* pages (listed in a trunk page, never read by quick_check).
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        func u32(_ at: Int) -> Int { file[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let pageSize = u32(16) >> 16, pages = u32(28)
        var leaves = Set<Int>(), trunk = u32(32)
        while trunk != 0 {
            let base = (trunk - 1) * pageSize
            leaves.formUnion((0..<u32(base + 4)).map { u32(base + 8 + 4 * $0) })
            trunk = u32(base)
        }
        var kept = pages
        while leaves.contains(kept) { kept -= 1 }
        #expect(kept < pages, "no free leaf pages at the end of the file")
        #expect(truncate(path, off_t(kept * pageSize)) == 0)
        let damage = try #require(Ledger.damage(at: path))
        #expect(damage.contains("cut short"), "\(damage)")
    }
}
