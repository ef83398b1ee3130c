import Foundation
import Synchronization

/// The bounded hand-off between the watcher and the workers: paths to look at, deduplicated,
/// plus paths to look at again later. When full, new paths are dropped and a rescan is asked
/// for instead, so a storm of files cannot grow memory without bound and nothing is lost.
final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [String] = []
    private var queued: Set<String> = []
    private var inFlight: Set<String> = []
    /// path → when to look again (one entry per path: the earliest time asked for).
    private var later: [String: Double] = [:]
    private var stopped = false
    private(set) var overflowed = false
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Adds a path unless it is already waiting or being processed. Returns false when full.
    @discardableResult
    func add(_ path: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if queued.contains(path) || inFlight.contains(path) { return true }
        if ready.count >= capacity {
            overflowed = true
            return false
        }
        ready.append(path)
        queued.insert(path)
        condition.signal()
        return true
    }

    /// Asks for `path` again at `time` (seconds since 1970).
    func retry(_ path: String, at time: Double) {
        condition.lock()
        later[path] = min(later[path] ?? time, time)
        condition.unlock()
    }

    /// Moves retries whose time has come into the ready list; returns whether a rescan was
    /// requested by an overflow (and clears that request).
    func tick(now: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let due = later.filter { $0.value <= now }.keys.sorted()
        for path in due {
            later.removeValue(forKey: path)
            if queued.contains(path) || inFlight.contains(path) { continue }
            ready.append(path)
            queued.insert(path)
        }
        if !due.isEmpty { condition.broadcast() }
        let wasOverflowed = overflowed && ready.count < capacity / 2
        if wasOverflowed { overflowed = false }
        return wasOverflowed
    }

    /// The next path for a worker, or nil once stopped.
    func next() -> String? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !stopped { condition.wait() }
        if stopped { return nil }
        let path = ready.removeFirst()
        queued.remove(path)
        inFlight.insert(path)
        return path
    }

    func finished(_ path: String) {
        condition.lock()
        inFlight.remove(path)
        condition.unlock()
    }

    /// Wakes every worker; they finish what they hold and take nothing new.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// When the earliest retry is due, if any.
    var nextRetry: Double? {
        condition.lock()
        defer { condition.unlock() }
        return later.values.min()
    }

    var counts: (ready: Int, inFlight: Int, later: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (ready.count, inFlight.count, later.count)
    }
}
