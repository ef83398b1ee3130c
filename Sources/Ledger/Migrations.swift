/// Named, forward-only schema migrations; `PRAGMA user_version` counts those applied.
enum Migrations {
    static let all: [(name: String, sql: String)] = [
        ("create originals, variants, events", """
            CREATE TABLE originals (
                id INTEGER PRIMARY KEY,
                hash TEXT NOT NULL,
                label TEXT NOT NULL,
                split TEXT NOT NULL CHECK (split IN ('train', 'val')),
                source_name TEXT NOT NULL,
                inbox TEXT NOT NULL,
                profile TEXT NOT NULL,
                profile_hash TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('processing', 'done')),
                original_path TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            -- The same bytes are added to the dataset once, whatever inbox or label they come from.
            CREATE UNIQUE INDEX originals_by_hash ON originals(hash);
            CREATE INDEX originals_by_status ON originals(status);
            CREATE TABLE variants (
                original_id INTEGER NOT NULL REFERENCES originals(id) ON DELETE CASCADE,
                k INTEGER NOT NULL,
                path TEXT NOT NULL,
                format TEXT NOT NULL,
                parameters TEXT NOT NULL,
                PRIMARY KEY (original_id, k)
            );
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('failed', 'duplicate', 'label_conflict', 'refused')),
                inbox TEXT NOT NULL,
                path TEXT NOT NULL,
                hash TEXT,
                label TEXT,
                reason TEXT NOT NULL
            );
            CREATE INDEX events_by_inbox ON events(inbox, label, kind);
            """),
        ("retraining runs; originals remember the run that trained them", """
            ALTER TABLE originals ADD COLUMN trained_run TEXT REFERENCES retrain_runs(id);
            CREATE INDEX originals_untrained ON originals(status) WHERE trained_run IS NULL;
            CREATE TABLE retrain_runs (
                id TEXT PRIMARY KEY,
                trigger TEXT NOT NULL CHECK (trigger IN ('policy', 'manual')),
                started_at REAL NOT NULL,
                ended_at REAL,
                result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'timed_out', 'interrupted')),
                exit_code INTEGER,
                signal INTEGER,
                originals INTEGER NOT NULL,
                variants INTEGER NOT NULL,
                process_group INTEGER,
                log_path TEXT NOT NULL,
                manifest_path TEXT NOT NULL
            );
            -- Exactly the originals a run was given: only these are marked trained when it succeeds.
            CREATE TABLE retrain_run_originals (
                run_id TEXT NOT NULL REFERENCES retrain_runs(id),
                original_id INTEGER NOT NULL REFERENCES originals(id),
                PRIMARY KEY (run_id, original_id)
            );
            """),
        ("files left in an inbox by on_success = keep", """
            -- A kept file is taken once: a rescan that finds it unchanged skips it without reading it.
            CREATE TABLE kept_files (
                path TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                modified REAL NOT NULL,
                changed REAL NOT NULL,
                hash TEXT NOT NULL
            );
            """),
        ("the profile each original was claimed with; files the dataset could not take yet", """
            -- Crash repair re-renders with exactly the profile of the claim, whatever the config says now.
            ALTER TABLE originals ADD COLUMN profile_json TEXT;
            -- Files left in their inbox because the dataset (or the ledger) could not be written:
            -- retried with backoff; shown by status with the reason. Emptied at every start.
            CREATE TABLE blocked_files (
                path TEXT PRIMARY KEY,
                inbox TEXT NOT NULL,
                label TEXT,
                reason TEXT NOT NULL,
                since REAL NOT NULL,
                attempts INTEGER NOT NULL
            );
            -- `augmentd ledger rebuild`: when the ledger was rebuilt from the dataset tree, and from
            -- what (retrain history and events before that moment are lost).
            CREATE TABLE ledger_rebuilds (
                at REAL NOT NULL,
                dataset_root TEXT NOT NULL,
                kept_copy TEXT,
                originals INTEGER NOT NULL,
                variants INTEGER NOT NULL
            );
            """),
        ("variants trained per run (balancing adds variants to originals already trained on)", """
            -- The run that trained each variant: a variant added later (balancing) is new to the
            -- trainer even when its original is not. Variants of trained originals were trained with them.
            ALTER TABLE variants ADD COLUMN trained_run TEXT REFERENCES retrain_runs(id);
            UPDATE variants SET trained_run = (SELECT trained_run FROM originals o WHERE o.id = variants.original_id);
            CREATE INDEX variants_untrained ON variants(original_id) WHERE trained_run IS NULL;
            -- Exactly the variants a run's manifest listed, marked trained when it succeeds.
            CREATE TABLE retrain_run_variants (
                run_id TEXT NOT NULL REFERENCES retrain_runs(id),
                original_id INTEGER NOT NULL,
                k INTEGER NOT NULL,
                PRIMARY KEY (run_id, original_id, k)
            );
            """),
        ("events.reason_class", """
            -- Failures carry their class (FailureClass); older rows get it from their message's
            -- prefix, as 0.3.0 derived it.
            ALTER TABLE events ADD COLUMN reason_class TEXT;
            UPDATE events SET reason_class = CASE
                WHEN kind = 'label_conflict' THEN 'label_conflict'
                WHEN kind <> 'failed' THEN NULL
                WHEN reason LIKE 'empty file%' THEN 'empty'
                WHEN reason LIKE 'unsupported format%' THEN 'unsupported_format'
                WHEN reason LIKE 'truncated%' THEN 'truncated'
                WHEN reason LIKE 'corrupt%' THEN 'corrupt'
                WHEN reason LIKE 'unsupported %' THEN 'unsupported_feature'
                WHEN reason LIKE 'image too large%' OR reason LIKE 'file too large%' THEN 'too_large'
                WHEN reason LIKE 'out of memory%' THEN 'out_of_memory'
                WHEN reason LIKE 'cannot encode%' THEN 'encode_failed'
                WHEN reason LIKE 'bad label folder%' OR reason LIKE 'not in a label folder%' THEN 'bad_label'
                WHEN reason LIKE 'the path is %' THEN 'path_too_long'
                ELSE 'other' END;
            """),
        ("ledger_settings; dataset keys", """
            -- Facts about the ledger itself. `dataset_keys`: dataset files are recorded as paths
            -- below dataset_root. A new ledger holds keys from the start; an older one is converted
            -- by `Ledger.adoptDatasetKeys` (only the opener knows the dataset root).
            CREATE TABLE ledger_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO ledger_settings (name, value) SELECT 'dataset_keys', 'relative'
                WHERE NOT EXISTS (SELECT 1 FROM originals);
            """),
    ]

    static func apply(_ db: SQLiteConnection) throws(LedgerError) {
        var version: Int64 = 0
        try db.query("PRAGMA user_version") { version = $0.int(0) }
        guard version < Int64(all.count) else {
            if version > Int64(all.count) {
                throw LedgerError(operation: "migrate",
                                  message: "the ledger is at schema \(version), newer than this augmentd (\(all.count))",
                                  code: 0)
            }
            return
        }
        for index in Int(version)..<all.count {
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(all[index].sql)
                try db.execute("PRAGMA user_version = \(index + 1)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw LedgerError(operation: "migrate (\(all[index].name))", message: error.message, code: error.code)
            }
        }
    }
}
