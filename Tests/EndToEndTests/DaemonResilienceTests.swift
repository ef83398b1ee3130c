import Foundation
import Testing
import TestSupport

/// The daemon when its surroundings misbehave: the inbox folder deleted, recreated or renamed,
/// labels that cannot be folder names, a stop in the middle of a burst, and an inotify queue
/// that overflows. Part of the serialized daemon suite (one daemon at a time; the overflow test
/// changes a system-wide limit).
extension DaemonTests {
    static func h8(_ seed: UInt64) -> String { String(DigestHex.of(png(seed)).prefix(8)) }

    @Test func anInboxDeletedRecreatedOrRenamedIsWatchedAgain() throws {
        let dir = try TemporaryDirectory("daemon-inbox-life")
        let config = try Self.config(dir)
        let inbox = dir.file("inbox")
        let fm = FileManager.default
        try fm.createDirectory(at: inbox.appendingPathComponent("cats"), withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try Data(Self.png(1)).write(to: inbox.appendingPathComponent("cats/a.png"))
        #expect(eventually { Self.waiting(inbox).isEmpty })

        // Deleted, then recreated (with a file already inside) by a rename from elsewhere.
        try fm.removeItem(at: inbox)
        #expect(eventually { daemon.log.contains("inbox \(inbox.path) disappeared") }, "\(daemon.log)")
        try fm.createDirectory(at: dir.file("new-inbox/cats"), withIntermediateDirectories: true)
        try Data(Self.png(2)).write(to: dir.file("new-inbox/cats/b.png"))
        try fm.moveItem(at: dir.file("new-inbox"), to: inbox)
        #expect(eventually { daemon.log.contains("inbox \(inbox.path) is back") }, "\(daemon.log)")
        #expect(eventually { Self.waiting(inbox).isEmpty }, "b.png not taken: \(daemon.log)")
        // Files dropped after the return are seen by the new watches.
        try Data(Self.png(3)).write(to: inbox.appendingPathComponent("cats/c.png"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "c.png not taken: \(daemon.log)")

        // Renamed away: what lands in the old folder is not ours; renamed back, it is.
        try fm.moveItem(at: inbox, to: dir.file("away"))
        #expect(eventually { daemon.log.components(separatedBy: "inbox \(inbox.path) disappeared").count == 3 })
        try Data(Self.png(4)).write(to: dir.file("away/cats/d.png"))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(fm.fileExists(atPath: dir.file("away/cats/d.png").path), "taken from a folder that is no longer the inbox")
        try fm.moveItem(at: dir.file("away"), to: inbox)
        #expect(eventually { Self.waiting(inbox).isEmpty }, "d.png not taken after the inbox came back: \(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let dataset = treeContents(dir.file("dataset"))
        for (seed, name) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
            #expect(dataset["train/cats/\(name)-\(Self.h8(UInt64(seed))).png"] == Data(Self.png(UInt64(seed))), "\(name)")
        }
    }

    @Test func labelsMustBeFolderNamesAndAnyFileNameWorks() throws {
        let dir = try TemporaryDirectory("daemon-labels")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        let fm = FileManager.default
        let badLabel = "tab\there"
        let unicodeLabel = "größe 猫"
        for folder in [badLabel, unicodeLabel] {
            try fm.createDirectory(at: inbox.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(Self.png(1)).write(to: inbox.appendingPathComponent("\(badLabel)/x.png"))
        try Data(Self.png(2)).write(to: inbox.appendingPathComponent("no label.png"))
        let oddNames = ["line\nbreak.png", "\"quoted\" 'both'.png", "--help.png", "emoji 🐱.png",
                        String(repeating: "long", count: 60) + ".png"]   // 244 bytes: the dataset names must fit in 255
        for (i, name) in oddNames.enumerated() {
            try Data(Self.png(UInt64(10 + i))).write(to: inbox.appendingPathComponent("\(unicodeLabel)/\(name)"))
        }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox))\n\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let dataset = treeContents(dir.file("dataset"))
        for (i, name) in oddNames.enumerated() {
            let stem = String(name.dropLast(4).prefix(150))   // ASCII here: 150 characters = 150 bytes
            let seed = UInt64(10 + i)
            #expect(dataset["train/\(unicodeLabel)/\(stem)-\(Self.h8(seed)).png"] == Data(Self.png(seed)), "\(name)")
            #expect(dataset["train/\(unicodeLabel)/\(stem)-\(Self.h8(seed))-aug1.png"] != nil, "\(name)")
        }
        #expect(dataset.count == 2 * oddNames.count, "\(dataset.keys.sorted())")
        let failed = treeContents(inbox.appendingPathComponent(".failed"))
        let badReport = String(decoding: failed["\(badLabel)/x.png.error.txt"] ?? Data(), as: UTF8.self)
        // Control characters are escaped in the report: one line per field, whatever the name holds.
        #expect(badReport.contains("file: tab\\there/x.png\nreason: bad label folder \"tab\\there\": a label cannot contain control characters"),
                "\(failed.keys.sorted())")
        let rootReport = String(decoding: failed["no label.png.error.txt"] ?? Data(), as: UTF8.self)
        #expect(rootReport.contains("reason: not in a label folder"))
    }

    @Test func sigtermDuringABurstExitsZeroAndARestartFinishesTheRest() throws {
        let dir = try TemporaryDirectory("daemon-term")
        let config = try Self.config(dir, variants: 2)
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("things"), withIntermediateDirectories: true)
        let count = 40
        var daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        for i in 0..<count {
            try Data(Self.png(UInt64(200 + i))).write(to: inbox.appendingPathComponent("things/img\(i).png"))
        }
        #expect(eventually { daemon.log.components(separatedBy: "added ").count > 4 })
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.contains("augmentd: stopped"))
        let afterStop = treeContents(dir.file("dataset"))
        #expect(!afterStop.keys.contains { $0.split(separator: "/").last!.hasPrefix(".") }, "temp files left after SIGTERM")
        // Every original already in the dataset has all its variants: work in flight was finished.
        for name in afterStop.keys where !name.contains("-aug") {
            let stem = String(name.dropLast(4))
            #expect(afterStop["\(stem)-aug1.png"] != nil && afterStop["\(stem)-aug2.png"] != nil, "\(name) half done")
        }
        #expect(!Self.waiting(inbox).isEmpty, "the burst finished before SIGTERM; the test proves nothing")

        daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox))")
        #expect(daemon.stop(SIGTERM) == 0)
        let dataset = treeContents(dir.file("dataset"))
        for i in 0..<count {
            let seed = UInt64(200 + i)
            #expect(dataset["train/things/img\(i)-\(Self.h8(seed)).png"] == Data(Self.png(seed)), "img\(i)")
        }
        #expect(dataset.count == 3 * count)
    }

    /// Only as root with a writable /proc/sys: lowers fs.inotify.max_queued_events for the daemon's inotify instance (the
    /// limit is read when the instance is created, and restored at once), stops the daemon with
    /// SIGSTOP so the kernel queue fills while files arrive, and shows the overflow rescan takes all.
    @Test(.enabled(if: KernelLimit.canChange("fs/inotify/max_queued_events")))
    func anInotifyQueueOverflowLosesNothing() throws {
        let dir = try TemporaryDirectory("daemon-overflow")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("many"), withIntermediateDirectories: true)
        let (daemon, restored) = try KernelLimit.with("fs/inotify/max_queued_events", at: 16) {
            let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
            #expect(eventually { daemon.log.contains("watching 1 inbox") })
            return daemon
        }
        #expect(restored)
        let count = 100
        kill(daemon.process.processIdentifier, SIGSTOP)
        for i in 0..<count {
            try Data(Self.png(UInt64(300 + i))).write(to: inbox.appendingPathComponent("many/f\(i).png"))
        }
        kill(daemon.process.processIdentifier, SIGCONT)
        #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox).count)\n\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.contains("inotify queue overflow (1 so far): rescanning every inbox"))
        let dataset = treeContents(dir.file("dataset"))
        #expect(dataset.count == 2 * count)
        for i in 0..<count {
            let seed = UInt64(300 + i)
            #expect(dataset["train/many/f\(i)-\(Self.h8(seed)).png"] == Data(Self.png(seed)), "f\(i)")
        }
    }
}

extension DaemonTests {
    @Test func theSameBytesUnderTwoLabelsAreOneOriginalAndALabelConflict() throws {
        let dir = try TemporaryDirectory("daemon-conflict")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        let fm = FileManager.default
        for label in ["cats", "dogs"] { try fm.createDirectory(at: inbox.appendingPathComponent(label), withIntermediateDirectories: true) }
        // Both copies land at once, so two workers may take them at the same moment.
        try Data(Self.png(7)).write(to: dir.file("staging-a.png"))
        try Data(Self.png(7)).write(to: dir.file("staging-b.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try fm.moveItem(at: dir.file("staging-a.png"), to: inbox.appendingPathComponent("cats/kitty.png"))
        try fm.moveItem(at: dir.file("staging-b.png"), to: inbox.appendingPathComponent("dogs/puppy.png"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let dataset = treeContents(dir.file("dataset"))
        let originals = dataset.keys.filter { !$0.contains("-aug") }
        #expect(originals.count == 1, "the same bytes were added twice: \(originals)")
        let winner = originals.first?.hasPrefix("train/cats/") == true ? "cats" : "dogs"
        let loser = winner == "cats" ? "dogs" : "cats"
        let loserName = loser == "cats" ? "kitty.png" : "puppy.png"
        let failed = treeContents(inbox.appendingPathComponent(".failed"))
        #expect(failed["\(loser)/\(loserName)"] == Data(Self.png(7)), "the conflicting copy is kept in .failed")
        let report = String(decoding: failed["\(loser)/\(loserName).error.txt"] ?? Data(), as: UTF8.self)
        #expect(report.contains("reason: label conflict: the same bytes are already in the dataset as \"\(winner)\""), "\(report)")
        #expect(daemon.log.contains("label conflict"))
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        struct Row: Decodable { let label: String; let originals: Int; let labelConflicts: Int }
        struct Report: Decodable { let labels: [Row] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let rows = try decoder.decode(Report.self, from: Data(status.stdout.utf8)).labels
        #expect(rows.first { $0.label == winner }?.originals == 1)
        #expect(rows.first { $0.label == loser }?.labelConflicts == 1)
    }
}

extension DaemonTests {
    /// Every file of the bad-input corpus, dropped into a running daemon: each goes to .failed with
    /// the same reason `augmentd inspect` gives for it, nothing reaches the dataset, and the daemon
    /// goes on to take a good file dropped after them.
    @Test func everyBadInputGoesToFailedWithInspectsReason() throws {
        let dir = try TemporaryDirectory("daemon-bad")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        let corpus = BadInputCorpus.entries
        let reference = dir.file("reference")
        try FileManager.default.createDirectory(at: reference, withIntermediateDirectories: true)
        for entry in corpus { try Data(entry.bytes).write(to: reference.appendingPathComponent(entry.name)) }
        let inspect = try AugmentdBinary.run(["inspect"] + corpus.map { reference.appendingPathComponent($0.name).path })
        var reasons = [String: String]()
        for (entry, line) in zip(corpus, inspect.stdout.split(separator: "\n")) {
            reasons[entry.name] = line.components(separatedBy: ": error: ").last
        }

        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try FileManager.default.createDirectory(at: dir.file("staging/bad"), withIntermediateDirectories: true)
        for entry in corpus {
            let file = dir.file("staging/bad/\(entry.name)")
            try Data(entry.bytes).write(to: file)
            // Old, so truncated files fail at once instead of waiting out the grace for young files.
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: file.path)
        }
        try FileManager.default.moveItem(at: dir.file("staging/bad"), to: inbox.appendingPathComponent("bad"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox))")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("good"), withIntermediateDirectories: true)
        try Data(Self.png(1)).write(to: inbox.appendingPathComponent("good/ok.png"))
        #expect(eventually { Self.waiting(inbox).isEmpty })
        #expect(daemon.stop(SIGTERM) == 0)

        let failed = treeContents(inbox.appendingPathComponent(".failed"))
        for entry in corpus {
            #expect(failed["bad/\(entry.name)"] == Data(entry.bytes), "\(entry.name) not kept in .failed as it was")
            let report = String(decoding: failed["bad/\(entry.name).error.txt"] ?? Data(), as: UTF8.self)
            let reason = try #require(reasons[entry.name])
            #expect(report.contains("reason: \(reason)\n"), "\(entry.name): \(report) vs inspect's \(reason)")
        }
        let dataset = treeContents(dir.file("dataset"))
        #expect(Set(dataset.keys) == ["train/good/ok-\(Self.h8(1)).png", "train/good/ok-\(Self.h8(1))-aug1.png"])
    }
}

extension DaemonTests {
    /// A writer that stalls longer than the settle time leaves a young, truncated file: it is looked
    /// at again, not failed, and taken once when the writer finishes.
    @Test func aWriterThatStallsMidFileIsWaitedForNotFailed() throws {
        let dir = try TemporaryDirectory("daemon-stall")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("cats"), withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        let bytes = Self.png(77)
        let path = inbox.appendingPathComponent("cats/stalled.png")
        #expect(FileManager.default.createFile(atPath: path.path, contents: Data(bytes.prefix(bytes.count / 3))))
        let handle = try FileHandle(forWritingTo: path)
        handle.seekToEndOfFile()
        Thread.sleep(forTimeInterval: 2.5)   // longer than the 1 s settle: the daemon sees a truncated PNG
        #expect(!FileManager.default.fileExists(atPath: inbox.appendingPathComponent(".failed/cats/stalled.png").path))
        handle.write(Data(bytes.dropFirst(bytes.count / 3)))
        try handle.close()
        #expect(eventually { Self.waiting(inbox).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(treeContents(dir.file("dataset"))["train/cats/stalled-\(Self.h8(77)).png"] == Data(bytes))
        #expect(daemon.log.components(separatedBy: "added \(path.path)").count == 2, "taken exactly once")
        #expect(!daemon.log.contains("failed"))
    }
}

extension DaemonTests {
    /// Only as root with a writable /proc/sys: with fs.inotify.max_user_watches at 1 (restored at once), a label folder moved
    /// in cannot be watched. The daemon says so, naming the sysctl, takes the files already inside,
    /// and carries on.
    @Test(.enabled(if: KernelLimit.canChange("fs/inotify/max_user_watches")))
    func aFolderOverTheWatchLimitIsReportedAndItsFilesStillTaken() throws {
        let dir = try TemporaryDirectory("daemon-watch-limit")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try FileManager.default.createDirectory(at: dir.file("staging/birds"), withIntermediateDirectories: true)
        try Data(Self.png(91)).write(to: dir.file("staging/birds/robin.png"))
        let (_, restored) = try KernelLimit.with("fs/inotify/max_user_watches", at: 1) {
            try FileManager.default.moveItem(at: dir.file("staging/birds"), to: inbox.appendingPathComponent("birds"))
            #expect(eventually(within: 10) { daemon.log.contains("cannot watch \(inbox.path)/birds: ") }, "\(daemon.log)")
        }
        #expect(restored)
        #expect(daemon.log.contains("fs.inotify.max_user_watches"))
        #expect(eventually { Self.waiting(inbox).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(treeContents(dir.file("dataset"))["train/birds/robin-\(Self.h8(91)).png"] == Data(Self.png(91)))
    }
}

extension DaemonTests {
    @Test func aSecondDaemonOnTheSameStateDirIsRefused() throws {
        let dir = try TemporaryDirectory("daemon-twice")
        let config = try Self.config(dir, variants: 1)
        let first = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("first.txt"))
        #expect(eventually { first.log.contains("watching 1 inbox") })
        let second = try AugmentdBinary.run(["run", "--config", config.path], currentDirectory: dir.url)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another augmentd is already running on state_dir state"), "\(second.stderr)")
        // The first one is undisturbed.
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try Data(Self.png(5)).write(to: dir.file("inbox/cats/a.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty })
        #expect(first.stop(SIGTERM) == 0)
    }
}

extension DaemonTests {
    /// `on_success = keep` leaves the original in the inbox: rescans and restarts find it again and
    /// must not take it again (nor call it a duplicate of itself); a changed file is new.
    @Test func aKeptFileIsTakenOnceThroughRescansAndRestarts() throws {
        let dir = try TemporaryDirectory("daemon-keep")
        let config = dir.file("augmentd.toml")
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        // `extra` continues the [[watch]] table; the rescan interval goes into [daemon].
        let text = Self.configText(variants: 1, extra: "on_success = \"keep\"\n")
            .replacingOccurrences(of: "workers = 2\n", with: "workers = 2\nrescan_interval = \"1s\"\n")
        #expect(text.contains("rescan_interval = \"1s\""))
        try text.write(to: config, atomically: false, encoding: .utf8)
        try Data(Self.png(81)).write(to: dir.file("inbox/cats/kept.png"))
        var daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("added ") }, "\(daemon.log)")
        Thread.sleep(forTimeInterval: 3)   // three periodic rescans see the kept file
        #expect(daemon.stop(SIGTERM) == 0)
        daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        Thread.sleep(forTimeInterval: 2)
        // Changed in place: new bytes, a new original.
        try Data(Self.png(82)).write(to: dir.file("inbox/cats/kept.png"))
        #expect(eventually { daemon.log.contains("added ") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let first = try String(contentsOf: dir.file("log.txt"), encoding: .utf8)
        #expect(first.components(separatedBy: "added ").count == 2 && !first.contains("duplicate"), "\(first)")
        #expect(!daemon.log.contains("duplicate"), "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: dir.file("inbox/cats/kept.png").path), "keep left the file")
        let dataset = treeContents(dir.file("dataset"))
        #expect(dataset["train/cats/kept-\(Self.h8(81)).png"] == Data(Self.png(81)))
        #expect(dataset["train/cats/kept-\(Self.h8(82)).png"] == Data(Self.png(82)))
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        #expect(status.stdout.contains("\"duplicates\" : 0"), "\(status.stdout)")
        #expect(status.stdout.contains("\"waiting_in_inbox\" : 0"), "a kept file is not waiting: \(status.stdout)")
    }
}
