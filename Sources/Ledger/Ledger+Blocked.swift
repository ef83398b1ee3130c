import Foundation

/// Files the dataset could not take yet (a full, read-only or unwritable dataset or state
/// folder): they stay in their inbox, are retried with backoff, and `status` shows them with the
/// reason. A file's claim is released when its writes fail, so it is counted once, as waiting.
extension Ledger {
    /// Records (or updates) a blocked file; returns how many attempts have failed so far.
    @discardableResult
    public func recordBlocked(path: String, inbox: String, label: String?, reason: String,
                              now: Double = Date().timeIntervalSince1970) throws(LedgerError) -> Int {
        try withConnection { db throws(LedgerError) in
            var attempts = 1
            try db.query("""
                INSERT INTO blocked_files (path, inbox, label, reason, since, attempts) VALUES (?, ?, ?, ?, ?, 1)
                ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, attempts = attempts + 1
                RETURNING attempts
                """, [.text(path), .text(inbox), .optional(label), .text(reason), .real(now)]) { attempts = Int($0.int(0)) }
            return attempts
        }
    }

    /// Forgets a blocked file (taken, failed for another reason, or gone).
    public func clearBlocked(path: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("DELETE FROM blocked_files WHERE path = ?", [.text(path)])
        }
    }

    /// Forgets every blocked file: at start, the daemon finds them again on its first attempt.
    public func clearAllBlocked() throws(LedgerError) {
        try withConnection { db throws(LedgerError) in try db.execute("DELETE FROM blocked_files") }
    }

    /// Removes a claim whose files could not be written (nothing of it is in the dataset): the
    /// inbox file is the only copy, and it is tried again from the start.
    public func releaseClaim(id: Int64) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("DELETE FROM originals WHERE id = ? AND status = 'processing'", [.integer(id)])
        }
    }
}
