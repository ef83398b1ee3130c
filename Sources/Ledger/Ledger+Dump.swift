/// One stored value, as a ledger export carries it.
public enum LedgerValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// The rows of one table, for copying a ledger into another store (`augmentd ledger migrate`).
public struct LedgerTableDump: Sendable {
    public let table: String
    public let columns: [String]
    public let rows: [[LedgerValue]]
}

extension Ledger {
    /// What `ledger migrate` copies, in an order that keeps references valid: originals, their
    /// variants, events, retrain runs and what each run was given, kept files.
    static let dumpedTables: [(table: String, columns: [String])] = [
        ("originals", ["id", "hash", "label", "split", "source_name", "inbox", "profile", "profile_hash", "profile_json", "status",
                       "original_path", "created_at", "updated_at", "trained_run"]),
        ("variants", ["original_id", "k", "path", "format", "parameters", "trained_run"]),
        ("events", ["id", "at", "kind", "inbox", "path", "hash", "label", "reason", "reason_class"]),
        ("retrain_runs", ["id", "trigger", "started_at", "ended_at", "result", "exit_code", "signal", "originals", "variants",
                          "process_group", "log_path", "manifest_path"]),
        ("retrain_run_originals", ["run_id", "original_id"]),
        ("retrain_run_variants", ["run_id", "original_id", "k"]),
        ("kept_files", ["path", "size", "modified", "changed", "hash"]),
    ]

    /// Every row of the tables above, read in one transaction (a consistent snapshot).
    public func dump() throws(LedgerError) -> [LedgerTableDump] {
        try withConnection { db throws(LedgerError) in
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            var out = [LedgerTableDump]()
            for (table, columns) in Self.dumpedTables {
                var rows = [[LedgerValue]]()
                try db.query("SELECT \(columns.joined(separator: ", ")) FROM \(table) ORDER BY rowid") { row in
                    rows.append((0..<columns.count).map { row.value(Int32($0)) })
                }
                out.append(LedgerTableDump(table: table, columns: columns, rows: rows))
            }
            return out
        }
    }
}
