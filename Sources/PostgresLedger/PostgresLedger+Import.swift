import Ledger

extension PostgresLedger {
    public struct ImportCounts: Sendable, Equatable {
        public var originals = 0
        public var variants = 0
        public var events = 0
        public var runs = 0
    }

    /// Copies a SQLite ledger's rows into this database, in one transaction, keeping ids (runs
    /// refer to originals by id). Refused unless the database holds no originals yet. Rows that
    /// belong to one host (kept files, events) are recorded as `node`'s.
    public func importLedger(_ tables: [LedgerTableDump], source: String, now: Double) throws(LedgerError) -> ImportCounts {
        try transaction { db throws(LedgerError) in
            let existing = try db.execute("SELECT count(*) FROM originals").first?.int(0) ?? 0
            guard existing == 0 else {
                throw LedgerError(operation: "import", message: "the database already holds \(existing) originals: "
                                  + "a ledger is migrated into an empty database only", code: 0, sqlState: "")
            }
            var counts = ImportCounts()
            for dump in tables {
                var columns = dump.columns
                let perNode = ["events", "kept_files"].contains(dump.table)
                if perNode { columns.append("node") }
                if dump.table == "retrain_runs" { columns.append("node") }
                let placeholders = columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
                let sql = "INSERT INTO \(dump.table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
                for row in dump.rows {
                    var values = row.map(PGValue.init)
                    if perNode || dump.table == "retrain_runs" { values.append(.text(node)) }
                    try db.execute(sql, values)
                }
                switch dump.table {
                case "originals": counts.originals = dump.rows.count
                case "variants": counts.variants = dump.rows.count
                case "events": counts.events = dump.rows.count
                case "retrain_runs": counts.runs = dump.rows.count
                default: break
                }
            }
            // New rows continue after the imported ids.
            for table in ["originals", "events"] {
                try db.execute("SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT max(id) FROM \(table)), 0) + 1, false)")
            }
            // A run that was running when the SQLite ledger was copied never ends here: interrupted.
            try db.execute("UPDATE retrain_runs SET result = 'interrupted', ended_at = $1 WHERE result = 'running'", [.real(now)])
            try db.execute("INSERT INTO imports (at, source, originals, variants) VALUES ($1, $2, $3, $4)",
                           [.real(now), .text(source), .integer(Int64(counts.originals)), .integer(Int64(counts.variants))])
            return counts
        }
    }
}

extension PGValue {
    init(_ value: LedgerValue) {
        switch value {
        case .null: self = .null
        case .integer(let v): self = .integer(v)
        case .real(let v): self = .real(v)
        case .text(let v): self = .text(v)
        }
    }
}
