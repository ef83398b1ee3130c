import Foundation
import Ledger
import Synchronization

/// The ledger of several daemons on one dataset, in PostgreSQL. Every daemon is a node with a
/// unique name and a lease renewed by its heartbeat; originals are claimed by content hash in one
/// statement (so duplicates are global), with the claiming node and an attempt number. A node
/// that stops renewing loses its claims after the lease and another node finishes them.
/// Times of leases are the database's clock (`now()`), never a host's.
///
/// One connection, used by one caller at a time (blocking libpq calls). A lost connection is
/// dropped and made again on the next call: callers see a `LedgerError` whose
/// `isConnectionLost` is true meanwhile, and keep their files waiting.
public final class PostgresLedger: Sendable {
    public let location: String
    public let node: String
    /// Seconds without a heartbeat after which a node's claims may be taken over.
    public let lease: Double
    let url: String
    let connection: Mutex<PGConnection?>
    /// Claim id → the attempt this process holds (completion must name it).
    let attempts = Mutex<[Int64: Int]>([:])
    let lastHeartbeat = Mutex<Double>(0)
    /// Set by the heartbeat thread: when the database stopped answering, and lines for the log.
    let lostSince = Mutex<Double?>(nil)
    let pendingLogLines = Mutex<[String]>([])
    let heartbeatRunning = Atomic<Bool>(false)
    /// A command's node (`augmentd retrain` by hand): its row is removed when it ends.
    let isEphemeral: Bool

    /// Connects and applies the schema. `node` names this process in claims, events and runs.
    public init(url: String, node: String, lease: Double, ephemeral: Bool = false) throws(LedgerError) {
        self.url = url
        self.node = node
        self.lease = lease
        isEphemeral = ephemeral
        location = PGConnection.redacted(url)
        let db = try PGConnection(url: url, applicationName: "augmentd \(node)")
        try PGMigrations.apply(db)
        connection = Mutex(db)
    }

    /// Runs `body` on the connection, connecting first when it was lost.
    @discardableResult
    func withConnection<T: Sendable>(_ body: (PGConnection) throws(LedgerError) -> T) throws(LedgerError) -> T {
        try connection.withLock { (db: inout PGConnection?) throws(LedgerError) -> T in
            if db == nil || db?.isOK == false {
                db = nil
                db = try PGConnection(url: url, applicationName: "augmentd \(node)")
            }
            do throws(LedgerError) {
                return try body(db!)
            } catch {
                if error.isConnectionLost || db?.isOK == false { db = nil }
                throw error
            }
        }
    }

    /// Runs `body` in one transaction.
    @discardableResult
    func transaction<T: Sendable>(_ body: (PGConnection) throws(LedgerError) -> T) throws(LedgerError) -> T {
        try withConnection { db throws(LedgerError) in try db.transaction { () throws(LedgerError) -> T in try body(db) } }
    }

    static let originalColumns =
        "id, hash, label, split, source_name, inbox, profile, profile_hash, status, original_path, created_at, updated_at, profile_json"

    static func original(_ row: PGRow) -> OriginalRecord {
        OriginalRecord(
            id: row.int(0), hash: row.text(1), label: row.text(2), split: row.text(3), sourceName: row.text(4),
            inbox: row.text(5), profile: row.text(6), profileHash: row.text(7), profileJSON: row.optionalText(12),
            status: OriginalStatus(rawValue: row.text(8)) ?? .processing, originalPath: row.optionalText(9),
            createdAt: row.double(10), updatedAt: row.double(11))
    }

    /// SQL true when the node named by `column` holds a live lease (the database's clock).
    static func isLive(_ column: String) -> String {
        "EXISTS (SELECT 1 FROM nodes n WHERE n.name = \(column) AND n.lease_until > now() AND n.stopped_at IS NULL)"
    }
}

extension PostgresLedger {
    /// Registers this process as node `node`: refused while another live process holds the name
    /// (a daemon on another host, or one still running here); taken over from a dead one.
    public func register(host: String, pid: Int32, version: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            let existing = try db.execute("""
                SELECT host, pid, lease_until > now() AND stopped_at IS NULL, to_char(heartbeat_at, 'YYYY-MM-DD HH24:MI:SS TZ')
                FROM nodes WHERE name = $1
                """, [.text(node)]).first
            var observedPID: Int64 = -1
            if let existing {
                observedPID = existing.int(1)
                // Alive by its lease, and not this host's dead process (a kill -9 and a quick restart).
                let sameHostDead = existing.text(0) == host && (observedPID == Int64(pid) || kill(pid_t(observedPID), 0) != 0)
                if existing.bool(2) && !sameHostDead {
                    throw LedgerError(operation: "register node", message: "node_name \"\(node)\" is in use by a running daemon on "
                                      + "\(existing.text(0)) (pid \(observedPID), last heartbeat \(existing.text(3))); "
                                      + "give each daemon sharing the ledger its own node_name", code: 0, sqlState: "")
                }
            }
            let taken = try db.execute("""
                INSERT INTO nodes (name, host, pid, version, started_at, heartbeat_at, lease_until)
                VALUES ($1, $2, $3, $4, now(), now(), now() + make_interval(secs => $5))
                ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                    started_at = now(), heartbeat_at = now(), lease_until = excluded.lease_until, stopped_at = NULL, in_flight = 0
                WHERE nodes.pid = $6 OR nodes.lease_until <= now() OR nodes.stopped_at IS NOT NULL
                RETURNING name
                """, [.text(node), .text(host), .integer(Int64(pid)), .text(version), .real(lease), .integer(observedPID)])
            if taken.isEmpty {
                throw LedgerError(operation: "register node", message: "node_name \"\(node)\" was taken by another daemon starting at the same time",
                                  code: 0, sqlState: "")
            }
        }
        lastHeartbeat.withLock { $0 = Self.monotonicNow() }
    }

    /// Renews the lease (and publishes the files in flight) when a third of it has passed.
    func heartbeatIfDue() throws(LedgerError) -> Bool {
        let now = Self.monotonicNow()
        // While the database is unreachable, try every second.
        let due = lostSince.withLock { $0 != nil } || now - lastHeartbeat.withLock({ $0 }) >= lease / 3
        guard due else { return false }
        try withConnection { db throws(LedgerError) in
            try db.execute("""
                UPDATE nodes SET heartbeat_at = now(), lease_until = now() + make_interval(secs => $2), stopped_at = NULL,
                    in_flight = (SELECT count(*) FROM originals WHERE status = 'processing' AND node = $1)
                WHERE name = $1
                """, [.text(node), .real(lease)])
        }
        lastHeartbeat.withLock { $0 = now }
        return true
    }

    /// Renews the lease from a thread of its own every second, whatever the caller's threads are
    /// doing (a long repair, a retrain command running for hours), until `unregister`.
    public func startHeartbeat() {
        guard !heartbeatRunning.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in
            while heartbeatRunning.load(ordering: .relaxed) {
                beat()
                Thread.sleep(forTimeInterval: 1)
            }
        }
        thread.name = "ledger-heartbeat"
        thread.start()
    }

    private func beat() {
        do {
            _ = try heartbeatIfDue()
            if let since = lostSince.withLock({ value -> Double? in defer { value = nil }; return value }) {
                let seconds = Int(Self.monotonicNow() - since)
                pendingLogLines.withLock { $0.append("the ledger database \(location) answers again (after \(seconds) s)") }
            }
        } catch {
            let first = lostSince.withLock { value -> Bool in
                defer { if value == nil { value = Self.monotonicNow() } }
                return value == nil
            }
            if first {
                pendingLogLines.withLock {
                    $0.append("the ledger database \(location) does not answer (\(error.message)); files wait in their inboxes "
                              + "and are taken once it is back")
                }
            }
        }
    }

    /// A clean stop: the lease ends now, so nothing waits for it.
    public func stop() {
        heartbeatRunning.store(false, ordering: .relaxed)
        // Back from an outage the heartbeat had not seen end yet: say so (the caller logs `upkeep`).
        if lostSince.withLock({ $0 != nil }) { beat() }
        _ = try? withConnection { db throws(LedgerError) in
            if isEphemeral {
                try db.execute("DELETE FROM nodes WHERE name = $1", [.text(node)])
            } else {
                try db.execute("UPDATE nodes SET stopped_at = now(), lease_until = now(), in_flight = 0 WHERE name = $1", [.text(node)])
            }
        }
    }

    /// Every node that ever shared the ledger, by name.
    public func nodes() throws(LedgerError) -> [LedgerNode] {
        try withConnection { db throws(LedgerError) in
            try db.execute("""
                SELECT name, host, pid, version, extract(epoch FROM started_at), extract(epoch FROM heartbeat_at),
                       lease_until > now() AND stopped_at IS NULL, stopped_at IS NOT NULL,
                       (SELECT count(*) FROM originals o WHERE o.status = 'processing' AND o.node = nodes.name)
                FROM nodes ORDER BY name
                """).map { row in
                LedgerNode(name: row.text(0), host: row.text(1), pid: Int(row.int(2)), version: row.text(3),
                           startedAt: row.double(4), heartbeatAt: row.double(5), alive: row.bool(6), stopped: row.bool(7),
                           inFlight: Int(row.int(8)))
            }
        }
    }

    /// A URL for messages: its password (if any) left out.
    public static func redacted(_ url: String) -> String { PGConnection.redacted(url) }

    static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
