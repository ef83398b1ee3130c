import Foundation
import LinuxSystem

/// What augmentd tells systemd (Type=notify), and when: READY/RELOADING/STOPPING, a STATUS line
/// with live counts, EXTEND_TIMEOUT_USEC while a long start-up scan runs, and WATCHDOG=1 pings
/// at half the watchdog period — only from the main loop, and only while the workers make
/// progress, so a wedged watcher or a stuck pool lets systemd restart the service.
final class ServiceNotifier {
    private let notifier: SystemdNotifier?
    /// Seconds between keep-alive pings (half of WATCHDOG_USEC), when systemd wants them.
    let pingInterval: Double?
    /// How long the pool may go without finishing a file while it holds work before it counts as stuck.
    let stuckAfter: Double?
    private let log: (String) -> Void
    private var lastPing = -Double.infinity
    private var lastStatus = ""
    private var lastStatusAt = -Double.infinity
    private var lastExtend = MonotonicClock.now   // the first extension after 10 s of scanning
    private var failed = false

    init(environment: [String: String] = ProcessInfo.processInfo.environment, log: @escaping (String) -> Void) {
        notifier = SystemdNotifier(socketName: environment["NOTIFY_SOCKET"])
        let period = SystemdNotifier.watchdogPeriod(usec: environment["WATCHDOG_USEC"], pid: environment["WATCHDOG_PID"])
        pingInterval = period.map { $0 / 2 }
        stuckAfter = period
        self.log = log
    }

    var isActive: Bool { notifier != nil }

    func send(_ fields: [String]) {
        guard let notifier else { return }
        do {
            try notifier.send(fields)
        } catch {
            if !failed { log("cannot notify systemd: \(error)") }
            failed = true
        }
    }

    func ready(status: String) {
        send(["READY=1", "STATUS=\(status)"])
        lastStatus = status
    }

    func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds)"])
    }

    func stopping() { send(["STOPPING=1", "STATUS=stopping: finishing work in flight"]) }

    /// During a start-up scan: asks for 30 s more, every 10 s, so a huge inbox does not time out the start.
    func extendStartTimeout(now: Double) {
        guard isActive, now - lastExtend >= 10 else { return }
        lastExtend = now
        send(["EXTEND_TIMEOUT_USEC=30000000"])
    }

    /// Called from the main loop: a ping when one is due and the workers are healthy, and the
    /// STATUS line when it changed (at most once a second).
    func tick(now: Double, workersHealthy: @autoclosure () -> Bool, status: @autoclosure () -> String) {
        guard isActive else { return }
        var fields = [String]()
        if let pingInterval, now - lastPing >= pingInterval, workersHealthy() {
            fields.append("WATCHDOG=1")
            lastPing = now
        }
        if now - lastStatusAt >= 1 {
            let text = status()
            if text != lastStatus {
                fields.append("STATUS=\(text)")
                lastStatus = text
            }
            lastStatusAt = now
        }
        if !fields.isEmpty { send(fields) }
    }
}
