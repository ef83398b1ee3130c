import Foundation

/// A rebuild of the ledger from the dataset tree (`augmentd ledger rebuild`).
public struct LedgerRebuild: Sendable, Equatable {
    public let at: Double
    public let datasetRoot: String
    /// Where the replaced (damaged) ledger was kept, if there was one.
    public let keptCopy: String?
    public let originals: Int
    public let variants: Int

    public init(at: Double, datasetRoot: String, keptCopy: String?, originals: Int, variants: Int) {
        self.at = at
        self.datasetRoot = datasetRoot
        self.keptCopy = keptCopy
        self.originals = originals
        self.variants = variants
    }
}

/// Filling a fresh ledger from what the dataset tree holds: originals are recorded as done with
/// the variants found beside them; retrain history and events are not in the tree and are lost.
extension Ledger {
    /// Records one original found in the tree, done, with its variants. A hash already recorded is
    /// left as it is (returns false): the same bytes are in the dataset once.
    public func recordRebuilt(_ original: OriginalRecord, variants: [VariantRecord]) throws(LedgerError) -> Bool {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) -> Bool in
                try db.query("""
                    INSERT INTO originals (hash, label, split, source_name, inbox, profile, profile_hash, status,
                                           original_path, created_at, updated_at, profile_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING
                    """, [.text(original.hash), .text(original.label), .text(original.split), .text(original.sourceName),
                          .text(original.inbox), .text(original.profile), .text(original.profileHash),
                          .optional(original.originalPath), .real(original.createdAt), .real(original.updatedAt),
                          .optional(original.profileJSON)])
                guard db.changes == 1 else { return false }
                let id = db.lastInsertID
                for v in variants {
                    try db.query("INSERT INTO variants (original_id, k, path, format, parameters) VALUES (?, ?, ?, ?, ?)",
                                 [.integer(id), .integer(Int64(v.index)), .text(v.path), .text(v.format),
                                  .text(v.parametersJSON)])
                }
                return true
            }
        }
    }

    /// Notes that this ledger was rebuilt (status shows it: history before it is lost).
    public func recordRebuild(_ rebuild: LedgerRebuild) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("INSERT INTO ledger_rebuilds (at, dataset_root, kept_copy, originals, variants) VALUES (?, ?, ?, ?, ?)",
                         [.real(rebuild.at), .text(rebuild.datasetRoot), .optional(rebuild.keptCopy),
                          .integer(Int64(rebuild.originals)), .integer(Int64(rebuild.variants))])
        }
    }

    /// The latest rebuild of this ledger, if it was ever rebuilt.
    public func lastRebuild() throws(LedgerError) -> LedgerRebuild? {
        try withConnection { db throws(LedgerError) in
            var found: LedgerRebuild?
            try db.query("SELECT at, dataset_root, kept_copy, originals, variants FROM ledger_rebuilds ORDER BY at DESC LIMIT 1") {
                found = LedgerRebuild(at: $0.double(0), datasetRoot: $0.text(1), keptCopy: $0.optionalText(2),
                                      originals: Int($0.int(3)), variants: Int($0.int(4)))
            }
            return found
        }
    }
}
