/// The ledger as each of its callers sees it. Two stores implement every role: `Ledger` (SQLite
/// in `state_dir`, one host) and the PostgreSQL ledger (several hosts). Callers hold the role
/// they need, never a store, so neither knows which one is behind it.

/// The life of a file: the duplicate check, the claim, completion, failures, kept and blocked files.
public protocol IntakeLedger: Sendable {
    /// What to name in messages: the SQLite file, or the database URL without its password.
    var location: String { get }
    func original(hash: String) throws(LedgerError) -> OriginalRecord?
    func claim(hash: String, label: String, split: String, sourceName: String, inbox: String, profile: String,
               profileHash: String, profileJSON: String?, now: Double) throws(LedgerError) -> (record: OriginalRecord, isNew: Bool)
    func complete(id: Int64, originalPath: String, variants: [VariantRecord], now: Double) throws(LedgerError)
    func releaseClaim(id: Int64) throws(LedgerError)
    func record(_ kind: EventKind, inbox: String, path: String, hash: String?, label: String?, reason: String,
                failureClass: FailureClass?, now: Double) throws(LedgerError)
    func isKept(path: String, size: Int, modified: Double, changed: Double) throws(LedgerError) -> Bool
    func recordKept(path: String, size: Int, modified: Double, changed: Double, hash: String) throws(LedgerError)
    @discardableResult
    func recordBlocked(path: String, inbox: String, label: String?, reason: String, now: Double) throws(LedgerError) -> Int
    func clearBlocked(path: String) throws(LedgerError)
    func clearAllBlocked() throws(LedgerError)
}

/// Crash repair: the claims this process must finish.
public protocol RepairLedger: Sendable {
    /// At start: this process's unfinished claims from before a crash (with several hosts, also
    /// those of nodes whose lease ran out), now held by this process.
    func unfinished() throws(LedgerError) -> [OriginalRecord]
    /// While running: claims left by nodes whose lease ran out, now held by this process (none
    /// with one host).
    func orphaned() throws(LedgerError) -> [OriginalRecord]
    /// A claim repair could not finish (its original never reached the dataset; the file waits in
    /// an inbox): SQLite keeps it for the retake, PostgreSQL lets any node that sees the file take it.
    func abandon(_ record: OriginalRecord) throws(LedgerError)
}

/// What a running daemon does every second beside taking files: for SQLite, writing the file
/// back if it was deleted under the process; for PostgreSQL, reporting the database lost and back.
/// Returns lines for the log.
public protocol LedgerUpkeep: Sendable {
    func upkeep() throws(LedgerError) -> [String]
    /// A clean stop (PostgreSQL: the node's lease ends now, so no other node waits for it).
    func stop()
}

/// `augmentd status` and the metrics file.
public protocol StatusLedger: Sendable {
    func summary() throws(LedgerError) -> [LedgerSummary]
    func failureClasses() throws(LedgerError) -> [FailureClass: Int]
    func runCounts() throws(LedgerError) -> [String: Int]
    func retrainState() throws(LedgerError) -> RetrainLedgerState
    func recentRuns(limit: Int) throws(LedgerError) -> [RetrainRunRecord]
    func lastRebuild() throws(LedgerError) -> LedgerRebuild?
    func isKept(path: String, size: Int, modified: Double, changed: Double) throws(LedgerError) -> Bool
    func balanceCandidates() throws(LedgerError) -> [BalanceCandidate]
    /// The daemons sharing the ledger (none for SQLite: one host, the one asking).
    func nodes() throws(LedgerError) -> [LedgerNode]
}

/// A daemon sharing a PostgreSQL ledger, for `status`.
public struct LedgerNode: Sendable, Equatable, Codable {
    public let name: String
    public let host: String
    public let pid: Int
    public let version: String
    public let startedAt: Double
    public let heartbeatAt: Double
    /// Its lease is current.
    public let alive: Bool
    /// It stopped cleanly.
    public let stopped: Bool
    /// Originals it holds claims on right now.
    public let inFlight: Int

    public init(name: String, host: String, pid: Int, version: String, startedAt: Double, heartbeatAt: Double, alive: Bool,
                stopped: Bool, inFlight: Int) {
        self.name = name
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.alive = alive
        self.stopped = stopped
        self.inFlight = inFlight
    }
}

/// Retraining: what is new, the manifest's totals, and the runs.
public protocol RetrainLedger: Sendable {
    func retrainState() throws(LedgerError) -> RetrainLedgerState
    func untrainedOriginals() throws(LedgerError) -> [UntrainedOriginal]
    func untrainedVariantsOfTrainedOriginals() throws(LedgerError) -> [UntrainedOriginal]
    func labelTotals() throws(LedgerError) -> [String: (train: Int, val: Int, variants: Int)]
    func startRun(id: String, trigger: String, startedAt: Double, originalIDs: [Int64], variants: Int,
                  variantKeys: [(originalID: Int64, k: Int)], logPath: String, manifestPath: String) throws(LedgerError)
    func setRunProcessGroup(id: String, processGroup: Int32) throws(LedgerError)
    func finishRun(id: String, result: RetrainResult, exitCode: Int32?, signal: Int32?, endedAt: Double) throws(LedgerError)
    /// Runs recorded as running that this process may end as interrupted (its own, after a crash).
    func runningRuns() throws(LedgerError) -> [RetrainRunRecord]
}

/// Balancing: each label's originals and their variants, and the extra variants written.
public protocol BalanceLedger: Sendable {
    func balanceCandidates() throws(LedgerError) -> [BalanceCandidate]
    func addVariants(originalID: Int64, _ variants: [VariantRecord]) throws(LedgerError)
}

/// Everything the daemon uses.
public typealias DaemonLedger = IntakeLedger & RepairLedger & LedgerUpkeep & StatusLedger & RetrainLedger & BalanceLedger

extension Ledger: IntakeLedger, RepairLedger, LedgerUpkeep, StatusLedger, RetrainLedger, BalanceLedger {
    public var location: String { path }

    public func orphaned() throws(LedgerError) -> [OriginalRecord] { [] }

    public func abandon(_ record: OriginalRecord) throws(LedgerError) {}

    public func stop() {}

    public func nodes() throws(LedgerError) -> [LedgerNode] { [] }

    public func upkeep() throws(LedgerError) -> [String] {
        guard fileIsGone else { return [] }
        try restoreFile()
        return ["the ledger \(path) was deleted while running: written back from the open database, nothing lost"]
    }
}
