import Ingest
import Synchronization

/// What the daemon counts in memory while it runs (the ledger holds everything durable):
/// outcomes since start, inotify overflows, per-file processing times, and which refusals
/// were already reported.
public final class DaemonCounters: Sendable {
    /// Upper bounds (seconds) of the processing-time histogram buckets, Prometheus style.
    public static let processingBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    public struct Snapshot: Sendable {
        public var added = 0
        public var duplicates = 0
        public var failed = 0
        public var labelConflicts = 0
        public var overflows = 0
        /// Count per bucket of `processingBuckets`, plus the +Inf bucket last (not cumulative).
        public var processingCounts = [Int](repeating: 0, count: DaemonCounters.processingBuckets.count + 1)
        public var processingSum = 0.0
        public var lastFile = ""
    }

    private let state = Mutex((snapshot: Snapshot(), refused: Set<String>()))

    public init() {}

    public func countOverflow() -> Int { state.withLock { $0.snapshot.overflows += 1; return $0.snapshot.overflows } }

    /// Counts one file that reached an end (added, duplicate, conflict or failed) and its time.
    public func countProcessed(_ outcome: IntakeOutcome, seconds: Double, path: String) {
        state.withLock {
            switch outcome {
            case .added: $0.snapshot.added += 1
            case .duplicate: $0.snapshot.duplicates += 1
            case .labelConflict: $0.snapshot.labelConflicts += 1
            case .failed: $0.snapshot.failed += 1
            case .refused, .notReady, .vanished, .alreadyTaken, .blocked, .ledgerDamaged: return
            }
            let bucket = Self.processingBuckets.firstIndex { seconds <= $0 } ?? Self.processingBuckets.count
            $0.snapshot.processingCounts[bucket] += 1
            $0.snapshot.processingSum += seconds
            $0.snapshot.lastFile = path
        }
    }

    /// True the first time a refused path is seen by this process: it is logged and recorded once.
    public func firstRefusal(of path: String) -> Bool { state.withLock { $0.refused.insert(path).inserted } }

    public var snapshot: Snapshot { state.withLock { $0.snapshot } }
}
