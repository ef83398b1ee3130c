import Ledger

/// The PostgreSQL schema: named, forward-only migrations, counted in `augmentd_schema`, applied
/// under an advisory lock so two daemons starting at once do not both apply them.
enum PGMigrations {
    /// Any constant the ledger's sessions agree on: "augmentd" in ASCII.
    static let lockKey: Int64 = 0x6175_676d_656e_7464

    static let all: [(name: String, sql: String)] = [
        ("nodes, originals, variants, events, files, retraining", """
            CREATE TABLE nodes (
                name TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                pid INTEGER NOT NULL,
                version TEXT NOT NULL,
                started_at TIMESTAMPTZ NOT NULL,
                heartbeat_at TIMESTAMPTZ NOT NULL,
                -- Judged by the database's clock, so a host whose clock is wrong cannot keep or lose claims.
                lease_until TIMESTAMPTZ NOT NULL,
                in_flight INTEGER NOT NULL DEFAULT 0,
                stopped_at TIMESTAMPTZ
            );
            CREATE TABLE originals (
                id BIGSERIAL PRIMARY KEY,
                hash TEXT NOT NULL UNIQUE,
                label TEXT NOT NULL,
                split TEXT NOT NULL CHECK (split IN ('train', 'val')),
                source_name TEXT NOT NULL,
                inbox TEXT NOT NULL,
                profile TEXT NOT NULL,
                profile_hash TEXT NOT NULL,
                profile_json TEXT,
                status TEXT NOT NULL CHECK (status IN ('processing', 'done')),
                original_path TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                trained_run TEXT,
                -- The node holding a processing claim, and which attempt: "done" is accepted only
                -- from the current one (a node that lost its lease cannot finish over its successor).
                node TEXT,
                attempt INTEGER NOT NULL DEFAULT 1,
                -- The node that finished it (for audits and `status`).
                done_by TEXT
            );
            CREATE INDEX originals_processing ON originals (node) WHERE status = 'processing';
            CREATE INDEX originals_untrained ON originals (label) WHERE trained_run IS NULL AND status = 'done';
            CREATE TABLE variants (
                original_id BIGINT NOT NULL REFERENCES originals (id) ON DELETE CASCADE,
                k INTEGER NOT NULL,
                path TEXT NOT NULL,
                format TEXT NOT NULL,
                parameters TEXT NOT NULL,
                trained_run TEXT,
                PRIMARY KEY (original_id, k)
            );
            CREATE TABLE events (
                id BIGSERIAL PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                node TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('failed', 'duplicate', 'label_conflict', 'refused')),
                inbox TEXT NOT NULL,
                path TEXT NOT NULL,
                hash TEXT,
                label TEXT,
                reason TEXT NOT NULL,
                reason_class TEXT
            );
            CREATE INDEX events_by_inbox ON events (inbox, label, kind);
            -- Inbox paths are a node's own: two nodes may watch different folders with the same names.
            CREATE TABLE kept_files (
                node TEXT NOT NULL,
                path TEXT NOT NULL,
                size BIGINT NOT NULL,
                modified DOUBLE PRECISION NOT NULL,
                changed DOUBLE PRECISION NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (node, path)
            );
            CREATE TABLE blocked_files (
                node TEXT NOT NULL,
                path TEXT NOT NULL,
                inbox TEXT NOT NULL,
                label TEXT,
                reason TEXT NOT NULL,
                since DOUBLE PRECISION NOT NULL,
                attempts INTEGER NOT NULL,
                PRIMARY KEY (node, path)
            );
            CREATE TABLE retrain_runs (
                id TEXT PRIMARY KEY,
                node TEXT NOT NULL,
                trigger TEXT NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                ended_at DOUBLE PRECISION,
                result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'timed_out', 'interrupted')),
                exit_code INTEGER,
                signal INTEGER,
                originals INTEGER NOT NULL,
                variants INTEGER NOT NULL,
                process_group INTEGER,
                log_path TEXT NOT NULL,
                manifest_path TEXT NOT NULL
            );
            -- Single-flight across every node: at most one run is ever recorded as running.
            CREATE UNIQUE INDEX retrain_runs_one_running ON retrain_runs ((true)) WHERE result = 'running';
            CREATE TABLE retrain_run_originals (
                run_id TEXT NOT NULL REFERENCES retrain_runs (id),
                original_id BIGINT NOT NULL,
                PRIMARY KEY (run_id, original_id)
            );
            CREATE TABLE retrain_run_variants (
                run_id TEXT NOT NULL REFERENCES retrain_runs (id),
                original_id BIGINT NOT NULL,
                k INTEGER NOT NULL,
                PRIMARY KEY (run_id, original_id, k)
            );
            CREATE TABLE imports (
                at DOUBLE PRECISION NOT NULL,
                source TEXT NOT NULL,
                originals INTEGER NOT NULL,
                variants INTEGER NOT NULL
            );
            """),
    ]

    /// Applies what is missing, one transaction each, under the advisory lock.
    static func apply(_ db: PGConnection) throws(LedgerError) {
        try db.execute("SELECT pg_advisory_lock($1)", [.integer(lockKey)])
        defer { _ = try? db.execute("SELECT pg_advisory_unlock($1)", [.integer(lockKey)]) }
        try db.execute("CREATE TABLE IF NOT EXISTS augmentd_schema (version INTEGER NOT NULL)")
        let version = Int(try db.execute("SELECT max(version) FROM augmentd_schema").first?.optionalInt(0) ?? 0)
        if version > all.count {
            throw LedgerError(operation: "migrate", message: "the database is at schema \(version), newer than this augmentd (\(all.count))",
                              code: 0, sqlState: "")
        }
        for index in version..<all.count {
            do {
                try db.transaction { () throws(LedgerError) in
                    try db.executeScript(all[index].sql)
                    try db.execute("INSERT INTO augmentd_schema (version) VALUES ($1)", [.integer(Int64(index + 1))])
                }
            } catch {
                throw LedgerError(operation: "migrate (\(all[index].name))", message: error.message, code: 0, sqlState: error.sqlState)
            }
        }
    }
}
