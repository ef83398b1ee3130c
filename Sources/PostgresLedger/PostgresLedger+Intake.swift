import Foundation
import Ledger

extension PostgresLedger: IntakeLedger, RepairLedger, LedgerUpkeep {
    public func original(hash: String) throws(LedgerError) -> OriginalRecord? {
        try withConnection { db throws(LedgerError) in
            try db.execute("SELECT \(Self.originalColumns) FROM originals WHERE hash = $1", [.text(hash)]).first.map(Self.original)
        }
    }

    /// Claims an original for this node in one statement (`INSERT … ON CONFLICT DO NOTHING`), so
    /// the same bytes arriving at two nodes become one original. An existing claim is taken over
    /// when it is this node's own (a restart) or its node's lease has run out; one held by a live
    /// node, or already done, is refused with `heldBy` set: the caller looks again later.
    public func claim(hash: String, label: String, split: String, sourceName: String, inbox: String, profile: String,
                      profileHash: String, profileJSON: String?, now: Double) throws(LedgerError) -> (record: OriginalRecord, isNew: Bool) {
        let (record, isNew, attempt) = try withConnection { db throws(LedgerError) -> (OriginalRecord, Bool, Int) in
            if let row = try db.execute("""
                INSERT INTO originals (hash, label, split, source_name, inbox, profile, profile_hash, profile_json, status,
                                       created_at, updated_at, node, attempt)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'processing', $9, $9, $10, 1)
                ON CONFLICT (hash) DO NOTHING
                RETURNING \(Self.originalColumns), attempt
                """, [.text(hash), .text(label), .text(split), .text(sourceName), .text(inbox), .text(profile),
                      .text(profileHash), .optional(profileJSON), .real(now), .text(node)]).first {
                return (Self.original(row), true, Int(row.int(13)))
            }
            if let row = try db.execute("""
                UPDATE originals o SET node = $2, attempt = attempt + 1, updated_at = $3
                WHERE hash = $1 AND status = 'processing' AND (node IS NULL OR node = $2 OR NOT \(Self.isLive("o.node")))
                RETURNING \(Self.originalColumns), attempt
                """, [.text(hash), .text(node), .real(now)]).first {
                return (Self.original(row), false, Int(row.int(13)))
            }
            let holder = try db.execute("SELECT status, COALESCE(node, '') FROM originals WHERE hash = $1", [.text(hash)]).first
            let holderNode = holder?.text(1) ?? ""
            let what = holder?.text(0) == "done" ? "was just added by another node" : "is being added by node \(holderNode)"
            throw LedgerError(operation: "claim", message: "the same bytes \(what)", code: 0, sqlState: "",
                              heldBy: holderNode.isEmpty ? "another node" : holderNode)
        }
        attempts.withLock { $0[record.id] = attempt }
        return (record, isNew)
    }

    /// Marks an original done with its variants, in one transaction, only while this node still
    /// holds the attempt it claimed: after a lost lease the successor's work stands.
    /// The database lost meanwhile (a restart): tried again for up to a lease, since every file is
    /// already in place; a commit that landed before the connection broke is recognised.
    public func complete(id: Int64, originalPath: String, variants: [VariantRecord], now: Double) throws(LedgerError) {
        let deadline = Self.monotonicNow() + lease
        var connectionLost = false
        while true {
            do {
                try completeOnce(id: id, originalPath: originalPath, variants: variants, now: now)
                return
            } catch {
                guard error.isConnectionLost, Self.monotonicNow() < deadline else {
                    // The first try's commit landed before its answer was lost.
                    if connectionLost, error.heldBy != nil, (try? original(id: id))?.originalPath == originalPath { return }
                    throw error
                }
                connectionLost = true
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    func original(id: Int64) throws(LedgerError) -> OriginalRecord? {
        try withConnection { db throws(LedgerError) in
            try db.execute("SELECT \(Self.originalColumns) FROM originals WHERE id = $1 AND status = 'done'", [.integer(id)])
                .first.map(Self.original)
        }
    }

    private func completeOnce(id: Int64, originalPath: String, variants: [VariantRecord], now: Double) throws(LedgerError) {
        let attempt = attempts.withLock { $0[id] } ?? 0
        try transaction { db throws(LedgerError) in
            let updated = try db.execute("""
                UPDATE originals SET status = 'done', original_path = $2, updated_at = $3, node = NULL, done_by = $4
                WHERE id = $1 AND status = 'processing' AND node = $4 AND attempt = $5 RETURNING id
                """, [.integer(id), .text(originalPath), .real(now), .text(node), .integer(Int64(attempt))])
            guard updated.count == 1 else {
                throw LedgerError(operation: "complete", message: "the claim on original \(id) is no longer this node's "
                                  + "(its lease ran out and another node took it over)", code: 0, sqlState: "", heldBy: "another node")
            }
            try db.execute("DELETE FROM variants WHERE original_id = $1", [.integer(id)])
            for v in variants {
                try db.execute("INSERT INTO variants (original_id, k, path, format, parameters) VALUES ($1, $2, $3, $4, $5)",
                               [.integer(id), .integer(Int64(v.index)), .text(v.path), .text(v.format), .text(v.parametersJSON)])
            }
        }
        attempts.withLock { _ = $0.removeValue(forKey: id) }
    }

    public func releaseClaim(id: Int64) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("DELETE FROM originals WHERE id = $1 AND status = 'processing' AND node = $2", [.integer(id), .text(node)])
        }
        attempts.withLock { _ = $0.removeValue(forKey: id) }
    }

    public func record(_ kind: EventKind, inbox: String, path: String, hash: String?, label: String?, reason: String,
                       failureClass: FailureClass?, now: Double) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("""
                INSERT INTO events (at, node, kind, inbox, path, hash, label, reason, reason_class)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, [.real(now), .text(node), .text(kind.rawValue), .text(inbox), .text(path), .optional(hash), .optional(label),
                      .text(reason), .optional(failureClass?.rawValue)])
        }
    }

    public func isKept(path: String, size: Int, modified: Double, changed: Double) throws(LedgerError) -> Bool {
        try withConnection { db throws(LedgerError) in
            !(try db.execute("""
                SELECT 1 FROM kept_files WHERE node = $1 AND path = $2 AND size = $3 AND modified = $4 AND changed = $5
                """, [.text(node), .text(path), .integer(Int64(size)), .real(modified), .real(changed)]).isEmpty)
        }
    }

    public func recordKept(path: String, size: Int, modified: Double, changed: Double, hash: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("""
                INSERT INTO kept_files (node, path, size, modified, changed, hash) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (node, path) DO UPDATE SET size = excluded.size, modified = excluded.modified,
                    changed = excluded.changed, hash = excluded.hash
                """, [.text(node), .text(path), .integer(Int64(size)), .real(modified), .real(changed), .text(hash)])
        }
    }

    @discardableResult
    public func recordBlocked(path: String, inbox: String, label: String?, reason: String, now: Double) throws(LedgerError) -> Int {
        try withConnection { db throws(LedgerError) in
            Int(try db.execute("""
                INSERT INTO blocked_files (node, path, inbox, label, reason, since, attempts) VALUES ($1, $2, $3, $4, $5, $6, 1)
                ON CONFLICT (node, path) DO UPDATE SET reason = excluded.reason, attempts = blocked_files.attempts + 1
                RETURNING attempts
                """, [.text(node), .text(path), .text(inbox), .optional(label), .text(reason), .real(now)]).first?.int(0) ?? 1)
        }
    }

    public func clearBlocked(path: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("DELETE FROM blocked_files WHERE node = $1 AND path = $2", [.text(node), .text(path)])
        }
    }

    public func clearAllBlocked() throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("DELETE FROM blocked_files WHERE node = $1", [.text(node)])
        }
    }

    /// At start: this node's unfinished claims and those of nodes whose lease ran out, taken over.
    public func unfinished() throws(LedgerError) -> [OriginalRecord] {
        try takeOver("node = $1 OR NOT \(Self.isLive("o.node"))")
    }

    /// While running: claims of nodes whose lease ran out (never this node's own, in flight, and
    /// never abandoned ones: those wait for a node that sees their file).
    public func orphaned() throws(LedgerError) -> [OriginalRecord] {
        try takeOver("node <> $1 AND NOT \(Self.isLive("o.node"))")
    }

    private func takeOver(_ condition: String) throws(LedgerError) -> [OriginalRecord] {
        let rows = try withConnection { db throws(LedgerError) in
            try db.execute("""
                UPDATE originals o SET node = $1, attempt = attempt + 1
                WHERE status = 'processing' AND (\(condition))
                RETURNING \(Self.originalColumns), attempt
                """, [.text(node)])
        }
        attempts.withLock { table in for row in rows { table[row.int(0)] = Int(row.int(13)) } }
        return rows.map(Self.original).sorted { $0.id < $1.id }
    }

    /// A claim repair could not finish (its original never reached the dataset; the file is in
    /// an inbox): given up, so whichever node sees the file claims it again, with its recorded profile.
    public func abandon(_ record: OriginalRecord) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.execute("UPDATE originals SET node = NULL WHERE id = $1 AND status = 'processing' AND node = $2",
                           [.integer(record.id), .text(node)])
        }
        attempts.withLock { _ = $0.removeValue(forKey: record.id) }
    }

    /// Lines for the log from the heartbeat thread (the database lost, then back).
    public func upkeep() throws(LedgerError) -> [String] {
        pendingLogLines.withLock { lines -> [String] in defer { lines = [] }; return lines }
    }
}
