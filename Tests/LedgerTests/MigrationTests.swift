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

    /// Host paths an older augmentd recorded become keys below dataset_root, once; a new ledger
    /// holds keys from the start and is never converted (a root named like a split stays intact).
    @Test func olderHostPathsBecomeDatasetKeysOnce() throws {
        let dir = try TemporaryDirectory("ledger-keys")
        let path = dir.file("ledger.sqlite").path
        do {
            let db = try SQLiteConnection(path: path)
            for migration in Migrations.all.prefix(6) { try db.execute(migration.sql) }
            try db.execute("PRAGMA user_version = 6")
            try db.execute("""
                INSERT INTO originals (id, hash, label, split, source_name, inbox, profile, profile_hash, status,
                                       original_path, created_at, updated_at)
                VALUES (1, 'ab12', 'cats', 'train', 'a.png', '/inbox', 'p', 'ph', 'done', 'dataset/train/cats/a-ab12.png', 1, 2),
                       (2, 'cd34', 'cats', 'train', 'b.png', '/inbox', 'p', 'ph', 'done', '/srv/ds/train/cats/b-cd34.png', 1, 2),
                       (3, 'ef56', 'cats', 'train', 'c.png', '/inbox', 'p', 'ph', 'done', '/elsewhere/c-ef56.png', 1, 2);
                INSERT INTO variants (original_id, k, path, format, parameters)
                VALUES (1, 1, 'dataset/train/cats/a-ab12-aug1.png', 'png', '{}');
                """)
        }
        let ledger = try Ledger(path: path)
        try ledger.adoptDatasetKeys(roots: ["dataset", "/srv/ds/"])
        try ledger.adoptDatasetKeys(roots: ["train"])   // already converted: nothing changes
        #expect(try ledger.original(hash: "ab12")?.originalPath == "train/cats/a-ab12.png")
        #expect(try ledger.original(hash: "cd34")?.originalPath == "train/cats/b-cd34.png")
        #expect(try ledger.original(hash: "ef56")?.originalPath == "/elsewhere/c-ef56.png", "a path outside the root was changed")
        #expect(try ledger.variants(of: 1).map(\.path) == ["train/cats/a-ab12-aug1.png"])

        let fresh = try Ledger(path: dir.file("fresh.sqlite").path)
        let (record, _) = try fresh.claim(hash: "aa", label: "cats", split: "train", sourceName: "a.png", inbox: "/in",
                                          profile: "p", profileHash: "ph")
        try fresh.complete(id: record.id, originalPath: "train/cats/a-aa.png", variants: [])
        try fresh.adoptDatasetKeys(roots: ["train"])
        #expect(try fresh.original(hash: "aa")?.originalPath == "train/cats/a-aa.png")
    }
}
