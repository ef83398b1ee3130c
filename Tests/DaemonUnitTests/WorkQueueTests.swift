@testable import Daemon
import Testing

/// The hand-off between the watcher and the workers: each path once, bounded, retries merged.
struct WorkQueueTests {
    @Test func aPathWaitingOrInFlightIsNotQueuedTwice() {
        let queue = WorkQueue(capacity: 10)
        queue.add("/a")
        queue.add("/a")
        #expect(queue.counts.ready == 1)
        #expect(queue.next() == "/a")
        queue.add("/a")                      // in flight: an event for it now changes nothing
        #expect(queue.counts.ready == 0 && queue.counts.inFlight == 1)
        queue.finished("/a")
        queue.add("/a")                      // finished: a new event queues it again
        #expect(queue.counts.ready == 1)
    }

    @Test func aloneItTakesTheOldestFirst() {
        let queue = WorkQueue(capacity: 100)
        for i in 0..<50 { queue.add("/f\(i)") }
        #expect((0..<50).map { _ in queue.next()! } == (0..<50).map { "/f\($0)" })
    }

    /// Several daemons on one shared inbox pick among the oldest few, so they mostly take
    /// different files; still every path once, and the oldest is passed over at most window-1 times.
    @Test func sharingAnInboxItTakesEachPathOnceAndTheOldestNeverWaitsLong() {
        let window = 8
        let queue = WorkQueue(capacity: 1000, pickWindow: window)
        for i in 0..<500 { queue.add("/f\(i)") }
        var waiting = (0..<500).map { "/f\($0)" }
        var taken = [String]()
        var passedOver = 0
        while let oldest = waiting.first {
            let path = queue.next()!
            taken.append(path)
            if path == oldest { passedOver = 0 } else { passedOver += 1 }
            #expect(passedOver < window, "the oldest path was passed over \(passedOver) times")
            waiting.removeAll { $0 == path }
        }
        #expect(Set(taken).count == 500 && taken.count == 500)
        #expect(taken != (0..<500).map { "/f\($0)" }, "two daemons would walk the files in the same order")
    }

    @Test func whenFullItDropsAndAsksForARescanOnceItHasRoom() {
        let queue = WorkQueue(capacity: 4)
        for i in 0..<4 { #expect(queue.add("/f\(i)")) }
        #expect(!queue.add("/f4"), "a full queue refuses")
        #expect(!queue.tick(now: 0), "no rescan while still full")
        for _ in 0..<3 { _ = queue.next() }
        #expect(queue.tick(now: 0), "room again: rescan, so the dropped path is found")
        #expect(!queue.tick(now: 0), "asked once")
    }

    @Test func retriesOfOnePathAreMergedAtTheEarliestTime() {
        let queue = WorkQueue(capacity: 10)
        queue.retry("/slow", at: 30)
        queue.retry("/slow", at: 10)
        queue.retry("/slow", at: 20)
        #expect(queue.counts.later == 1 && queue.nextRetry == 10)
        _ = queue.tick(now: 9)
        #expect(queue.counts.ready == 0)
        _ = queue.tick(now: 10)
        #expect(queue.counts.ready == 1 && queue.counts.later == 0)
        #expect(queue.next() == "/slow")
    }
}
