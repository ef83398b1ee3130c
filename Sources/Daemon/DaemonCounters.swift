import Synchronization

/// What the daemon counts in memory while it runs (the ledger holds everything durable):
/// inotify overflows, per-file processing times, and which refusals were already reported.
public final class DaemonCounters: Sendable {
    /// Upper bounds (seconds) of the processing-time histogram buckets, Prometheus style.
    public static let processingBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct State {
        var overflows = 0
        var processingCounts = [Int](repeating: 0, count: DaemonCounters.processingBuckets.count + 1)
        var processingSum = 0.0
        var refusedPaths = Set<String>()
        var lastFile = ""
    }
    private let state = Mutex(State())

    public init() {}

    public func countOverflow() -> Int { state.withLock { $0.overflows += 1; return $0.overflows } }

    /// Records how long one file took (seconds) and names it the last file seen.
    public func countProcessed(seconds: Double, path: String) {
        state.withLock {
            let bucket = Self.processingBuckets.firstIndex { seconds <= $0 } ?? Self.processingBuckets.count
            $0.processingCounts[bucket] += 1
            $0.processingSum += seconds
            $0.lastFile = path
        }
    }

    /// True the first time a refused path is seen by this process: it is logged and recorded once.
    public func firstRefusal(of path: String) -> Bool { state.withLock { $0.refusedPaths.insert(path).inserted } }

    public struct Snapshot: Sendable {
        public let overflows: Int
        /// Count per bucket of `processingBuckets`, plus the +Inf bucket last (not cumulative).
        public let processingCounts: [Int]
        public let processingSum: Double
        public let lastFile: String
    }

    public var snapshot: Snapshot {
        state.withLock { Snapshot(overflows: $0.overflows, processingCounts: $0.processingCounts,
                                  processingSum: $0.processingSum, lastFile: $0.lastFile) }
    }
}
