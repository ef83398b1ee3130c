import Foundation
import Synchronization

/// The bounded hand-off between the watcher and the workers: paths to look at, deduplicated,
/// plus paths to look at again later. When full, new paths are dropped and a rescan is asked
/// for instead, so a storm of files cannot grow memory without bound and nothing is lost.
/// A path compared by its bytes. Swift's `String ==` is canonical equivalence, so "café.png" in
/// NFC and in NFD (two files on Linux) would be one entry and the second file would wait for a
/// rescan; the filesystem compares bytes, and so must the queue.
struct PathKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ path: String) { bytes = Array(path.utf8) }
}

final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [String] = []
    private var queued: Set<PathKey> = []
    private var inFlight: Set<PathKey> = []
    /// path → when to look again (one entry per path: the earliest time asked for).
    private var later: [PathKey: (path: String, time: Double)] = [:]
    private var stopped = false
    private(set) var overflowed = false
    let capacity: Int
    /// How many of the oldest ready paths a worker picks from at random (1: strictly oldest
    /// first). Daemons sharing an inbox (several hosts) would otherwise walk the same files in
    /// the same order and race for each one; picking among the oldest few, and never passing
    /// the oldest over more than `pickWindow - 1` times, keeps each file's wait bounded while
    /// they mostly take different files.
    let pickWindow: Int
    private var oldestPassedOver = 0

    init(capacity: Int = 10_000, pickWindow: Int = 1) {
        self.capacity = capacity
        self.pickWindow = max(1, pickWindow)
    }

    /// Adds a path unless it is already waiting or being processed. Returns false when full.
    @discardableResult
    func add(_ path: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let key = PathKey(path)
        if queued.contains(key) || inFlight.contains(key) { return true }
        if ready.count >= capacity {
            overflowed = true
            return false
        }
        ready.append(path)
        queued.insert(key)
        condition.signal()
        return true
    }

    /// Asks for `path` again at `time` on the monotonic clock (`MonotonicClock`), so a wall
    /// clock set back does not hold the file.
    func retry(_ path: String, at time: Double) {
        condition.lock()
        let key = PathKey(path)
        later[key] = (path, min(later[key]?.time ?? time, time))
        condition.unlock()
    }

    /// Moves retries whose time (monotonic) has come into the ready list; returns whether a rescan was
    /// requested by an overflow (and clears that request).
    func tick(now: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let due = later.filter { $0.value.time <= now }.sorted { $0.value.path < $1.value.path }
        for (key, entry) in due {
            later.removeValue(forKey: key)
            if queued.contains(key) || inFlight.contains(key) { continue }
            ready.append(entry.path)
            queued.insert(key)
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
        var index = 0
        if pickWindow > 1 && oldestPassedOver < pickWindow - 1 { index = Int.random(in: 0..<min(pickWindow, ready.count)) }
        oldestPassedOver = index == 0 ? 0 : oldestPassedOver + 1
        let path = ready.remove(at: index)
        queued.remove(PathKey(path))
        inFlight.insert(PathKey(path))
        return path
    }

    func finished(_ path: String) {
        condition.lock()
        inFlight.remove(PathKey(path))
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
        return later.values.map(\.time).min()
    }

    var counts: (ready: Int, inFlight: Int, later: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (ready.count, inFlight.count, later.count)
    }
}
