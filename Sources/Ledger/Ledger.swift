import Foundation
import Synchronization

/// Where an original is in its life.
public enum OriginalStatus: String, Sendable, Codable {
    /// Claimed: variants may be partly written. Redone (deterministically) after a crash.
    case processing
    /// Variants durable, original in place: the invariant "row says done" holds.
    case done
}

/// What the ledger knows about one original (one distinct content hash).
public struct OriginalRecord: Sendable, Equatable {
    public let id: Int64
    public let hash: String
    public let label: String
    public let split: String
    public let sourceName: String
    public let inbox: String
    public let profile: String
    public let profileHash: String
    /// The profile's settings as JSON at claim time (nil in ledgers from before 0.3.0).
    public var profileJSON: String? = nil
    public let status: OriginalStatus
    public let originalPath: String?
    public let createdAt: Double
    public let updatedAt: Double

    public init(id: Int64, hash: String, label: String, split: String, sourceName: String, inbox: String,
                profile: String, profileHash: String, profileJSON: String? = nil, status: OriginalStatus,
                originalPath: String?, createdAt: Double, updatedAt: Double) {
        self.id = id
        self.hash = hash
        self.label = label
        self.split = split
        self.sourceName = sourceName
        self.inbox = inbox
        self.profile = profile
        self.profileHash = profileHash
        self.profileJSON = profileJSON
        self.status = status
        self.originalPath = originalPath
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One written variant, with its drawn parameters (JSON) for the record.
public struct VariantRecord: Sendable, Equatable {
    public let index: Int
    public let path: String
    public let format: String
    public let parametersJSON: String

    public init(index: Int, path: String, format: String, parametersJSON: String) {
        self.index = index
        self.path = path
        self.format = format
        self.parametersJSON = parametersJSON
    }
}

/// Things that happened to files that did not become (new) originals.
public enum EventKind: String, Sendable, CaseIterable {
    case failed            // moved to .failed with a reason
    case duplicate         // the same bytes are already in the dataset
    case labelConflict = "label_conflict"  // the same bytes arrived under another label
    case refused           // a symlink, FIFO, device or folder: left alone
}

/// The SQLite ledger in `state_dir` (WAL): every original, its variants, and every failure,
/// duplicate and refusal. One connection for the process's life, used by one caller at a time;
/// one transaction per invariant.
public final class Ledger: Sendable {
    let connection: Mutex<SQLiteConnection>
    public let path: String

    /// The identity of the file this ledger has open: another one (or none) at `path` means it
    /// was deleted or replaced under this process.
    let openedFile: Mutex<FileIdentity?>

    public init(path: String) throws(LedgerError) {
        self.path = path
        let db = try Self.connect(path)
        try Migrations.apply(db)
        connection = Mutex(db)
        openedFile = Mutex(FileIdentity(path: path))
    }

    static func connect(_ path: String) throws(LedgerError) -> SQLiteConnection {
        let db = try SQLiteConnection(path: path)
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        return db
    }

    func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws(LedgerError) -> T) throws(LedgerError) -> T {
        try connection.withLock { (db: inout SQLiteConnection) throws(LedgerError) -> T in try body(db) }
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it is recorded, or none.
    func transaction<T>(_ db: SQLiteConnection, _ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        try db.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try db.execute("COMMIT")
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    static let originalColumns =
        "id, hash, label, split, source_name, inbox, profile, profile_hash, status, original_path, created_at, updated_at, profile_json"

    static func original(_ row: Row) -> OriginalRecord {
        OriginalRecord(
            id: row.int(0), hash: row.text(1), label: row.text(2), split: row.text(3), sourceName: row.text(4),
            inbox: row.text(5), profile: row.text(6), profileHash: row.text(7),
            profileJSON: row.optionalText(12), status: OriginalStatus(rawValue: row.text(8)) ?? .processing,
            originalPath: row.optionalText(9), createdAt: row.double(10), updatedAt: row.double(11))
    }

    /// The original with this content hash, if any.
    public func original(hash: String) throws(LedgerError) -> OriginalRecord? {
        try withConnection { db throws(LedgerError) in
            var found: OriginalRecord?
            try db.query("SELECT \(Self.originalColumns) FROM originals WHERE hash = ?", [.text(hash)]) { row in
                found = Self.original(row)
            }
            return found
        }
    }

    /// Claims a new original (status `processing`) before any of its files is written, so a
    /// crash leaves a record of what to redo. Returns the existing record when the hash is known.
    public func claim(hash: String, label: String, split: String, sourceName: String, inbox: String,
                      profile: String, profileHash: String, profileJSON: String? = nil,
                      now: Double = Date().timeIntervalSince1970)
        throws(LedgerError) -> (record: OriginalRecord, isNew: Bool)
    {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) -> (OriginalRecord, Bool) in
                var existing: OriginalRecord?
                try db.query("SELECT \(Self.originalColumns) FROM originals WHERE hash = ?", [.text(hash)]) { row in
                    existing = Self.original(row)
                }
                if let existing { return (existing, false) }
                try db.query("""
                    INSERT INTO originals (hash, label, split, source_name, inbox, profile, profile_hash, status,
                                           created_at, updated_at, profile_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'processing', ?, ?, ?)
                    """, [.text(hash), .text(label), .text(split), .text(sourceName), .text(inbox), .text(profile),
                          .text(profileHash), .real(now), .real(now), .optional(profileJSON)])
                let record = OriginalRecord(
                    id: db.lastInsertID, hash: hash, label: label, split: split, sourceName: sourceName, inbox: inbox,
                    profile: profile, profileHash: profileHash, profileJSON: profileJSON, status: .processing,
                    originalPath: nil, createdAt: now, updatedAt: now)
                return (record, true)
            }
        }
    }

    /// Marks an original done together with its variants, in one transaction: called only after
    /// every file is durable.
    public func complete(id: Int64, originalPath: String, variants: [VariantRecord],
                         now: Double = Date().timeIntervalSince1970) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) in
                try db.query("DELETE FROM variants WHERE original_id = ?", [.integer(id)])
                for v in variants {
                    try db.query("INSERT INTO variants (original_id, k, path, format, parameters) VALUES (?, ?, ?, ?, ?)",
                                 [.integer(id), .integer(Int64(v.index)), .text(v.path), .text(v.format),
                                  .text(v.parametersJSON)])
                }
                try db.query("UPDATE originals SET status = 'done', original_path = ?, updated_at = ? WHERE id = ?",
                             [.text(originalPath), .real(now), .integer(id)])
                if db.changes != 1 {
                    throw LedgerError(operation: "complete", message: "no original with id \(id)", code: 0)
                }
            }
        }
    }

    /// Originals claimed but not completed: the work a restart must redo.
    public func unfinished() throws(LedgerError) -> [OriginalRecord] {
        try withConnection { db throws(LedgerError) in
            var out = [OriginalRecord]()
            try db.query("SELECT \(Self.originalColumns) FROM originals WHERE status = 'processing' ORDER BY id") {
                out.append(Self.original($0))
            }
            return out
        }
    }

    /// The variants recorded for an original, by index.
    public func variants(of id: Int64) throws(LedgerError) -> [VariantRecord] {
        try withConnection { db throws(LedgerError) in
            var out = [VariantRecord]()
            try db.query("SELECT k, path, format, parameters FROM variants WHERE original_id = ? ORDER BY k",
                         [.integer(id)]) { row in
                out.append(VariantRecord(index: Int(row.int(0)), path: row.text(1), format: row.text(2),
                                         parametersJSON: row.text(3)))
            }
            return out
        }
    }

    /// Records a failure, duplicate, label conflict or refusal.
    /// `failureClass` classes a failure (or a label conflict) for metrics; nil for other kinds.
    public func record(_ kind: EventKind, inbox: String, path: String, hash: String? = nil, label: String? = nil,
                       reason: String, failureClass: FailureClass? = nil,
                       now: Double = Date().timeIntervalSince1970) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("""
                INSERT INTO events (at, kind, inbox, path, hash, label, reason, reason_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.real(now), .text(kind.rawValue), .text(inbox), .text(path), .optional(hash),
                      .optional(label), .text(reason), .optional(failureClass?.rawValue)])
        }
    }

    /// Whether the file at `path`, unchanged since (same size, mtime and ctime), was already taken
    /// and left in its inbox (`on_success = keep`).
    public func isKept(path: String, size: Int, modified: Double, changed: Double) throws(LedgerError) -> Bool {
        try withConnection { db throws(LedgerError) in
            var found = false
            try db.query("SELECT 1 FROM kept_files WHERE path = ? AND size = ? AND modified = ? AND changed = ?",
                         [.text(path), .integer(Int64(size)), .real(modified), .real(changed)]) { _ in found = true }
            return found
        }
    }

    /// Remembers a file taken and left in its inbox, as it is now.
    public func recordKept(path: String, size: Int, modified: Double, changed: Double, hash: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("INSERT OR REPLACE INTO kept_files (path, size, modified, changed, hash) VALUES (?, ?, ?, ?, ?)",
                         [.text(path), .integer(Int64(size)), .real(modified), .real(changed), .text(hash)])
        }
    }

    /// How many files were failed, by class.
    public func failureClasses() throws(LedgerError) -> [FailureClass: Int] {
        try withConnection { db throws(LedgerError) in
            var out = [FailureClass: Int]()
            try db.query("SELECT reason_class, COUNT(*) FROM events WHERE kind = 'failed' GROUP BY reason_class") { row in
                out[FailureClass(rawValue: row.optionalText(0) ?? "") ?? .other, default: 0] += Int(row.int(1))
            }
            return out
        }
    }

    /// Per (inbox, label): originals done and pending, variants, and events by kind, with the last error.
    public func summary() throws(LedgerError) -> [LedgerSummary] {
        try withConnection { db throws(LedgerError) in
            var rows: [String: LedgerSummary] = [:]
            func key(_ inbox: String, _ label: String) -> String { "\(inbox)\u{0}\(label)" }
            try db.query("""
                SELECT inbox, label, SUM(status = 'done'), SUM(status = 'processing'),
                       (SELECT COUNT(*) FROM variants v JOIN originals o2 ON v.original_id = o2.id
                        WHERE o2.inbox = o.inbox AND o2.label = o.label)
                FROM originals o GROUP BY inbox, label
                """) { row in
                var s = LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.originals = Int(row.int(2))
                s.pending = Int(row.int(3))
                s.variants = Int(row.int(4))
                rows[key(s.inbox, s.label)] = s
            }
            try db.query("""
                SELECT inbox, COALESCE(label, ''), kind, COUNT(*),
                       (SELECT reason FROM events e2 WHERE e2.inbox = e.inbox AND COALESCE(e2.label, '') = COALESCE(e.label, '')
                        AND e2.kind = 'failed' ORDER BY e2.id DESC LIMIT 1)
                FROM events e GROUP BY inbox, COALESCE(label, ''), kind
                """) { row in
                let k = key(row.text(0), row.text(1))
                var s = rows[k] ?? LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.events[EventKind(rawValue: row.text(2)) ?? .failed, default: 0] += Int(row.int(3))
                if let last = row.optionalText(4) { s.lastError = last }
                rows[k] = s
            }
            try db.query("""
                SELECT inbox, COALESCE(label, ''), COUNT(*),
                       (SELECT reason FROM blocked_files b2 WHERE b2.inbox = b.inbox
                        AND COALESCE(b2.label, '') = COALESCE(b.label, '') ORDER BY since DESC LIMIT 1)
                FROM blocked_files b GROUP BY inbox, COALESCE(label, '')
                """) { row in
                let k = key(row.text(0), row.text(1))
                var s = rows[k] ?? LedgerSummary(inbox: row.text(0), label: row.text(1))
                s.blocked = Int(row.int(2))
                s.blockedReason = row.optionalText(3)
                rows[k] = s
            }
            return rows.values.sorted { ($0.inbox, $0.label) < ($1.inbox, $1.label) }
        }
    }
}

/// Counts for `augmentd status`.
public struct LedgerSummary: Sendable, Equatable {
    public let inbox: String
    public let label: String

    public init(inbox: String, label: String) {
        self.inbox = inbox
        self.label = label
    }

    public var originals = 0
    public var pending = 0
    public var variants = 0
    public var events: [EventKind: Int] = [:]
    public var lastError: String? = nil
    /// Files waiting in the inbox because the dataset or the ledger could not be written.
    public var blocked = 0
    public var blockedReason: String? = nil
}
