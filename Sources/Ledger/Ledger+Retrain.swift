import Foundation

/// How a retraining run ended (or that it has not).
public enum RetrainResult: String, Sendable, CaseIterable, Codable {
    case running, succeeded, failed
    case timedOut = "timed_out"
    case interrupted
}

/// One retraining run as the ledger records it.
public struct RetrainRunRecord: Sendable, Equatable, Codable {
    public let id: String
    public let trigger: String
    public let startedAt: Double
    public let endedAt: Double?
    public let result: RetrainResult
    public let exitCode: Int?
    public let signal: Int?
    public let originals: Int
    public let variants: Int
    public let processGroup: Int?
    public let logPath: String
    public let manifestPath: String

    public init(id: String, trigger: String, startedAt: Double, endedAt: Double?, result: RetrainResult, exitCode: Int?,
                signal: Int?, originals: Int, variants: Int, processGroup: Int?, logPath: String, manifestPath: String) {
        self.id = id
        self.trigger = trigger
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.result = result
        self.exitCode = exitCode
        self.signal = signal
        self.originals = originals
        self.variants = variants
        self.processGroup = processGroup
        self.logPath = logPath
        self.manifestPath = manifestPath
    }
}

/// An original done but not yet trained on, with its variants: one manifest entry.
public struct UntrainedOriginal: Sendable, Equatable {
    public let id: Int64
    public let hash: String
    public let label: String
    public let split: String
    public let inbox: String
    public let sourceName: String
    public let path: String
    public let doneAt: Double
    public var variants: [VariantRecord]

    public init(id: Int64, hash: String, label: String, split: String, inbox: String, sourceName: String, path: String,
                doneAt: Double, variants: [VariantRecord]) {
        self.id = id
        self.hash = hash
        self.label = label
        self.split = split
        self.inbox = inbox
        self.sourceName = sourceName
        self.path = path
        self.doneAt = doneAt
        self.variants = variants
    }
}

/// What the trigger policy needs to know, read in one go.
public struct RetrainLedgerState: Sendable, Equatable {
    public var untrainedOriginals = 0
    public var untrainedPerLabel: [String: Int] = [:]
    /// When the newest original was done (an arrival).
    public var lastArrival: Double?
    public var lastStart: Double?
    public var lastSuccess: Double?
    /// Several hosts: the live node whose run is in progress now (nil with one host).
    public var runningOnAnotherNode: String?
    public init() {}
}

extension Ledger {
    private static let runColumns = """
        id, trigger, started_at, ended_at, result, exit_code, signal, originals, variants, process_group, log_path, manifest_path
        """

    private static func run(_ row: Row) -> RetrainRunRecord {
        RetrainRunRecord(
            id: row.text(0), trigger: row.text(1), startedAt: row.double(2), endedAt: row.isNull(3) ? nil : row.double(3),
            result: RetrainResult(rawValue: row.text(4)) ?? .interrupted,
            exitCode: row.isNull(5) ? nil : Int(row.int(5)), signal: row.isNull(6) ? nil : Int(row.int(6)),
            originals: Int(row.int(7)), variants: Int(row.int(8)),
            processGroup: row.isNull(9) ? nil : Int(row.int(9)), logPath: row.text(10), manifestPath: row.text(11))
    }

    /// Counts of untrained originals and the times the policy looks at.
    public func retrainState() throws(LedgerError) -> RetrainLedgerState {
        try withConnection { db throws(LedgerError) in
            var state = RetrainLedgerState()
            try db.query("""
                SELECT label, COUNT(*) FROM originals WHERE status = 'done' AND trained_run IS NULL GROUP BY label
                """) { row in
                state.untrainedPerLabel[row.text(0)] = Int(row.int(1))
                state.untrainedOriginals += Int(row.int(1))
            }
            try db.query("SELECT MAX(updated_at) FROM originals WHERE status = 'done'") { row in
                state.lastArrival = row.isNull(0) ? nil : row.double(0)
            }
            try db.query("SELECT MAX(started_at) FROM retrain_runs") { row in
                state.lastStart = row.isNull(0) ? nil : row.double(0)
            }
            try db.query("SELECT MAX(ended_at) FROM retrain_runs WHERE result = 'succeeded'") { row in
                state.lastSuccess = row.isNull(0) ? nil : row.double(0)
            }
            return state
        }
    }

    /// Every original done and not yet trained on, oldest first, with its variants.
    public func untrainedOriginals() throws(LedgerError) -> [UntrainedOriginal] {
        try withConnection { db throws(LedgerError) in
            var out = [UntrainedOriginal]()
            var index = [Int64: Int]()
            try db.query("""
                SELECT id, hash, label, split, inbox, source_name, original_path, updated_at FROM originals
                WHERE status = 'done' AND trained_run IS NULL ORDER BY id
                """) { row in
                index[row.int(0)] = out.count
                out.append(UntrainedOriginal(id: row.int(0), hash: row.text(1), label: row.text(2), split: row.text(3),
                                             inbox: row.text(4), sourceName: row.text(5), path: row.text(6),
                                             doneAt: row.double(7), variants: []))
            }
            try db.query("""
                SELECT v.original_id, v.k, v.path, v.format, v.parameters FROM variants v
                JOIN originals o ON o.id = v.original_id
                WHERE o.status = 'done' AND o.trained_run IS NULL ORDER BY v.original_id, v.k
                """) { row in
                guard let i = index[row.int(0)] else { return }
                out[i].variants.append(VariantRecord(index: Int(row.int(1)), path: row.text(2), format: row.text(3),
                                                     parametersJSON: row.text(4)))
            }
            return out
        }
    }

    /// Originals done per label and split, and their variants: the whole dataset's totals.
    public func labelTotals() throws(LedgerError) -> [String: (train: Int, val: Int, variants: Int)] {
        try withConnection { db throws(LedgerError) in
            var out = [String: (train: Int, val: Int, variants: Int)]()
            try db.query("""
                SELECT label, SUM(split = 'train'), SUM(split = 'val'),
                       (SELECT COUNT(*) FROM variants v JOIN originals o2 ON o2.id = v.original_id
                        WHERE o2.label = o.label AND o2.status = 'done')
                FROM originals o WHERE status = 'done' GROUP BY label
                """) { row in
                out[row.text(0)] = (Int(row.int(1)), Int(row.int(2)), Int(row.int(3)))
            }
            return out
        }
    }

    /// Originals already trained on that have variants added since (balancing), each with only
    /// those variants, oldest first.
    public func untrainedVariantsOfTrainedOriginals() throws(LedgerError) -> [UntrainedOriginal] {
        try withConnection { db throws(LedgerError) in
            var out = [UntrainedOriginal]()
            var index = [Int64: Int]()
            try db.query("""
                SELECT o.id, o.hash, o.label, o.split, o.inbox, o.source_name, o.original_path, o.updated_at,
                       v.k, v.path, v.format, v.parameters
                FROM variants v JOIN originals o ON o.id = v.original_id
                WHERE o.status = 'done' AND o.trained_run IS NOT NULL AND v.trained_run IS NULL ORDER BY o.id, v.k
                """) { row in
                let id = row.int(0)
                if index[id] == nil {
                    index[id] = out.count
                    out.append(UntrainedOriginal(id: id, hash: row.text(1), label: row.text(2), split: row.text(3),
                                                 inbox: row.text(4), sourceName: row.text(5), path: row.text(6),
                                                 doneAt: row.double(7), variants: []))
                }
                out[index[id]!].variants.append(VariantRecord(index: Int(row.int(8)), path: row.text(9), format: row.text(10),
                                                              parametersJSON: row.text(11)))
            }
            return out
        }
    }

    /// Records a run as started with exactly these originals and these variants (original id, k).
    public func startRun(id: String, trigger: String, startedAt: Double, originalIDs: [Int64], variants: Int,
                         variantKeys: [(originalID: Int64, k: Int)] = [],
                         logPath: String, manifestPath: String) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) in
                try db.query("""
                    INSERT INTO retrain_runs (id, trigger, started_at, result, originals, variants, log_path, manifest_path)
                    VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
                    """, [.text(id), .text(trigger), .real(startedAt), .integer(Int64(originalIDs.count)),
                          .integer(Int64(variants)), .text(logPath), .text(manifestPath)])
                for originalID in originalIDs {
                    try db.query("INSERT INTO retrain_run_originals (run_id, original_id) VALUES (?, ?)",
                                 [.text(id), .integer(originalID)])
                }
                for key in variantKeys {
                    try db.query("INSERT OR IGNORE INTO retrain_run_variants (run_id, original_id, k) VALUES (?, ?, ?)",
                                 [.text(id), .integer(key.originalID), .integer(Int64(key.k))])
                }
            }
        }
    }

    public func setRunProcessGroup(id: String, processGroup: Int32) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try db.query("UPDATE retrain_runs SET process_group = ? WHERE id = ?", [.integer(Int64(processGroup)), .text(id)])
        }
    }

    /// Records how a run ended; a success marks its originals trained (each at most once, ever),
    /// in the same transaction.
    public func finishRun(id: String, result: RetrainResult, exitCode: Int32?, signal: Int32?,
                          endedAt: Double = Date().timeIntervalSince1970) throws(LedgerError) {
        try withConnection { db throws(LedgerError) in
            try transaction(db) { () throws(LedgerError) in
                try db.query("""
                    UPDATE retrain_runs SET result = ?, exit_code = ?, signal = ?, ended_at = ? WHERE id = ? AND result = 'running'
                    """, [.text(result.rawValue), exitCode.map { .integer(Int64($0)) } ?? .null,
                          signal.map { .integer(Int64($0)) } ?? .null, .real(endedAt), .text(id)])
                if result == .succeeded && db.changes == 1 {
                    try db.query("""
                        UPDATE originals SET trained_run = ?
                        WHERE trained_run IS NULL AND id IN (SELECT original_id FROM retrain_run_originals WHERE run_id = ?)
                        """, [.text(id), .text(id)])
                    try db.query("""
                        UPDATE variants SET trained_run = ? WHERE trained_run IS NULL AND EXISTS (
                            SELECT 1 FROM retrain_run_variants r
                            WHERE r.run_id = ? AND r.original_id = variants.original_id AND r.k = variants.k)
                        """, [.text(id), .text(id)])
                }
            }
        }
    }

    /// Runs still recorded as running: after a crash, the ones whose process is gone.
    public func runningRuns() throws(LedgerError) -> [RetrainRunRecord] {
        try withConnection { db throws(LedgerError) in
            var out = [RetrainRunRecord]()
            try db.query("SELECT \(Self.runColumns) FROM retrain_runs WHERE result = 'running' ORDER BY started_at") {
                out.append(Self.run($0))
            }
            return out
        }
    }

    /// The newest runs first.
    public func recentRuns(limit: Int = 5) throws(LedgerError) -> [RetrainRunRecord] {
        try withConnection { db throws(LedgerError) in
            var out = [RetrainRunRecord]()
            try db.query("SELECT \(Self.runColumns) FROM retrain_runs ORDER BY started_at DESC, id DESC LIMIT ?",
                         [.integer(Int64(limit))]) { out.append(Self.run($0)) }
            return out
        }
    }

    /// How many runs ended each way.
    public func runCounts() throws(LedgerError) -> [String: Int] {
        try withConnection { db throws(LedgerError) in
            var out = [String: Int]()
            try db.query("SELECT result, COUNT(*) FROM retrain_runs GROUP BY result") { out[$0.text(0)] = Int($0.int(1)) }
            return out
        }
    }

    /// Which run trained each original hash (for tests and audits); nil when not yet trained.
    public func trainedRun(ofHash hash: String) throws(LedgerError) -> String? {
        try withConnection { db throws(LedgerError) in
            var out: String?
            try db.query("SELECT trained_run FROM originals WHERE hash = ?", [.text(hash)]) { out = $0.optionalText(0) }
            return out
        }
    }
}
