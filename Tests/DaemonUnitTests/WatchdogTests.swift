@testable import Daemon
import Foundation
import Ledger
import LinuxSystem
import Testing
import TestSupport

/// The watchdog's two halves: the pool says it is stuck when files are in flight and none has
/// finished for a watchdog period, and the notifier then sends no WATCHDOG=1 (systemd restarts
/// the service); STATUS lines still go out.
struct WatchdogTests {
    @Test func aPoolWithWorkInFlightAndNoProgressIsStuck() throws {
        let dir = try TemporaryDirectory("watchdog-pool")
        let queue = WorkQueue()
        let pool = WorkerPool(queue: queue, intakes: IntakeTable(version: "test"), counters: DaemonCounters(),
                              ledger: try Ledger(path: dir.file("ledger.sqlite").path), maxPixels: 1000, log: { _ in },
                              onLedgerDamage: { _ in })
        let now = MonotonicClock.now   // the pool measures progress on the monotonic clock
        #expect(pool.isHealthy(stuckAfter: 5, now: now + 3600), "an idle pool is never stuck")
        queue.add("/inbox/a.png")
        #expect(queue.next() == "/inbox/a.png")   // taken by a worker that never finishes it
        #expect(!pool.isHealthy(stuckAfter: 5, now: now + 3600))
        #expect(pool.isHealthy(stuckAfter: nil, now: now + 3600), "without a watchdog nothing is judged")
        queue.finished("/inbox/a.png")
        #expect(pool.isHealthy(stuckAfter: 5, now: now + 3600))
    }

    @Test func noPingWhileTheWorkersAreStuckButStatusStillGoesOut() throws {
        let dir = try TemporaryDirectory("watchdog-notify")
        let socket = try NotifySocket(path: dir.file("notify.sock").path)
        defer { socket.close() }
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"], log: { _ in })
        #expect(notifier.pingInterval == 1 && notifier.stuckAfter == 2)
        notifier.tick(now: 100, workersHealthy: true, status: "one")
        notifier.tick(now: 101, workersHealthy: false, status: "two")
        notifier.tick(now: 102, workersHealthy: false, status: "three")
        notifier.tick(now: 103, workersHealthy: true, status: "three")
        #expect(eventually(within: 5) { socket.messages.count == 4 })
        let messages = socket.messages.map(\.fields)
        #expect(messages.map { $0["WATCHDOG"] } == ["1", nil, nil, "1"])
        #expect(messages.map { $0["STATUS"] } == ["one", "two", "three", nil])
    }
}
