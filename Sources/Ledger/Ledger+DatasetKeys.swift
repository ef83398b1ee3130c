/// Dataset files are recorded as keys below `dataset_root` ("train/cats/x-1a2b3c4d.png"), never
/// as host paths, so hosts that mount the dataset at different paths agree on every record.
extension Ledger {
    /// Converts the host paths an older augmentd recorded (those starting with one of `roots`, the
    /// dataset root as configured and as an absolute path) into keys; once, then recorded. Paths
    /// outside every root are left as they are (they are read as host paths).
    public func adoptDatasetKeys(roots: [String]) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            var converted = false
            try db.query("SELECT 1 FROM ledger_settings WHERE name = 'dataset_keys'") { _ in converted = true }
            guard !converted else { return }
            try transaction(db) { () throws(LedgerError) in
                for root in roots where !root.isEmpty {
                    let prefix = root.hasSuffix("/") ? root : root + "/"
                    try db.query("""
                        UPDATE originals SET original_path = substr(original_path, length(?) + 1)
                        WHERE substr(original_path, 1, length(?)) = ?
                        """, [.text(prefix), .text(prefix), .text(prefix)])
                    try db.query("UPDATE variants SET path = substr(path, length(?) + 1) WHERE substr(path, 1, length(?)) = ?",
                                 [.text(prefix), .text(prefix), .text(prefix)])
                }
                try db.query("INSERT INTO ledger_settings (name, value) VALUES ('dataset_keys', 'relative')")
            }
        }
    }
}
