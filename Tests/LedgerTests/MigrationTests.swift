import Foundation
@testable import Ledger
import Testing
import TestSupport

/// A ledger written by an older augmentd opens in this one with its records intact.
struct MigrationTests {
    @Test func aSchemaOneLedgerUpgradesAndKeepsItsOriginals() throws {
        let dir = try TemporaryDirectory("ledger-migrate")
        let path = dir.file("ledger.sqlite").path
        do {
            // What augmentd 0.1.0 left: the first migration only, and one original done.
            let db = try SQLiteConnection(path: path)
            try db.execute(Migrations.all[0].sql)
            try db.execute("PRAGMA user_version = 1")
            try db.execute("""
                INSERT INTO originals (hash, label, split, source_name, inbox, profile, profile_hash, status,
                                       original_path, created_at, updated_at)
                VALUES ('ab12', 'cats', 'train', 'a.png', '/inbox', 'p', 'ph', 'done', 'dataset/train/cats/a-ab12.png', 1, 2)
                """)
            for reason in ["truncated PNG: the data ends in IDAT", "truncated JPEG: premature end", "corrupt JPEG: bad Huffman code",
                           "not in a label folder: with label = \"\" …", "something new"] {
                try db.execute("INSERT INTO events (at, kind, inbox, path, reason) VALUES (1, 'failed', '/inbox', '/inbox/x', '\(reason)')")
            }
        }
        let ledger = try Ledger(path: path)
        #expect(try ledger.original(hash: "ab12")?.status == .done)
        let state = try ledger.retrainState()
        #expect(state.untrainedOriginals == 1 && state.untrainedPerLabel == ["cats": 1], "an old original is new to retraining")
        #expect(try !ledger.isKept(path: "/inbox/cats/a.png", size: 1, modified: 1, changed: 1))
        #expect(try ledger.recentRuns().isEmpty)
        // Failures recorded before their class was stored are classed from their messages.
        #expect(try ledger.failureClasses() == [.truncated: 2, .corrupt: 1, .badLabel: 1, .other: 1])
    }
}
