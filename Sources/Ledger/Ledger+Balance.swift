/// A train original as balancing sees it: its record, how many variants it has, its highest k.
public struct BalanceCandidate: Sendable, Equatable {
    public let record: OriginalRecord
    public let variantCount: Int
    public let highestVariant: Int

    public init(record: OriginalRecord, variantCount: Int, highestVariant: Int) {
        self.record = record
        self.variantCount = variantCount
        self.highestVariant = highestVariant
    }
}

extension Ledger {
    /// Every done train original, oldest first, with its variant count and highest k.
    public func balanceCandidates() throws(LedgerError) -> [BalanceCandidate] {
        try withConnection { db throws(LedgerError) in
            var out = [BalanceCandidate]()
            try db.query("""
                SELECT \(Self.originalColumns.split(separator: ",").map { "o." + $0.trimmingCharacters(in: .whitespaces) }
                         .joined(separator: ", ")),
                       (SELECT COUNT(*) FROM variants v WHERE v.original_id = o.id),
                       (SELECT COALESCE(MAX(k), 0) FROM variants v WHERE v.original_id = o.id)
                FROM originals o WHERE o.status = 'done' AND o.split = 'train' ORDER BY o.id
                """) { row in
                out.append(BalanceCandidate(record: Self.original(row), variantCount: Int(row.int(13)),
                                            highestVariant: Int(row.int(14))))
            }
            return out
        }
    }

    /// Records extra variants of a done original (balancing), in one transaction; a variant
    /// already recorded (a run cut short after its rows were written) stays as it is.
    public func addVariants(originalID: Int64, _ variants: [VariantRecord]) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) in
                for v in variants {
                    try db.query("""
                        INSERT OR IGNORE INTO variants (original_id, k, path, format, parameters) VALUES (?, ?, ?, ?, ?)
                        """, [.integer(originalID), .integer(Int64(v.index)), .text(v.path), .text(v.format),
                              .text(v.parametersJSON)])
                }
            }
        }
    }
}
