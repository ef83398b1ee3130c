import Foundation
import Testing
import TestSupport

/// `augmentd run` as a systemd service: the notify protocol on a real datagram socket, reload on
/// SIGHUP (good and bad configurations), and the Prometheus metrics file.
extension DaemonTests {
    static let secondWatch = """
        [[watch]]
        inbox = "inbox2"
        profile = "test"
        label = "fixed"
        val_fraction = 0

        """

    static func serviceConfig(variants: Int, secondInbox: Bool, metrics: Bool = false) -> String {
        configText(variants: variants, metrics: metrics, extra: secondInbox ? secondWatch : "")
    }

    /// A daemon started the way systemd starts it: NOTIFY_SOCKET names a socket the test listens on.
    static func startNotified(_ name: String, environment: [String: String])
        throws -> (dir: TemporaryDirectory, socket: NotifySocket, daemon: DaemonProcess)
    {
        let dir = try TemporaryDirectory(name)
        let config = try Self.config(dir, variants: 1)
        let socket = try NotifySocket(path: dir.file("notify.sock").path)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"),
                                       environment: environment.merging(["NOTIFY_SOCKET": socket.path]) { $1 })
        return (dir, socket, daemon)
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    @Test func tellsSystemdReadyReloadingWatchdogAndStopping() throws {
        let watchdogSeconds = 2.0
        let (dir, socket, daemon) = try Self.startNotified("daemon-notify",
                                                           environment: ["WATCHDOG_USEC": String(Int(watchdogSeconds * 1_000_000))])
        defer { socket.close() }
        #expect(eventually { socket.messages.contains { $0.fields["READY"] == "1" } }, "\(daemon.log)")
        let ready = try #require(socket.messages.first)
        #expect(ready.fields["READY"] == "1", "the first message is READY=1: \(ready.text)")
        #expect(ready.fields["STATUS"]?.contains("added 0") == true)
        #expect(daemon.log.contains("watching 1 inbox"))

        // Watchdog pings: at half the period, never further apart than the period itself.
        #expect(eventually { socket.messages.filter { $0.fields["WATCHDOG"] == "1" }.count >= 4 })
        let pings = socket.messages.filter { $0.fields["WATCHDOG"] == "1" }.map(\.at)
        for (earlier, later) in zip(pings, pings.dropFirst()) {
            let gap = later.timeIntervalSince(earlier)
            #expect(gap >= watchdogSeconds / 2 - 0.1 && gap < watchdogSeconds, "ping gap \(gap) s")
        }

        // A good reload: RELOADING=1 with MONOTONIC_USEC in the same datagram, then READY=1.
        var seen = socket.messages.count
        let before = Self.monotonicMicroseconds()
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(eventually { socket.messages.dropFirst(seen).contains { $0.fields["READY"] == "1" } })
        let afterGood = socket.messages.dropFirst(seen).filter { $0.fields["WATCHDOG"] == nil || $0.fields.count > 1 }
        let reloading = try #require(afterGood.first { $0.fields["RELOADING"] != nil }, "\(afterGood.map(\.text))")
        #expect(reloading.fields["RELOADING"] == "1")
        let stamp = try #require(reloading.fields["MONOTONIC_USEC"].flatMap(UInt64.init))
        #expect(stamp >= before && stamp <= Self.monotonicMicroseconds())
        let order = afterGood.compactMap { $0.fields["RELOADING"] != nil ? "RELOADING" : $0.fields["READY"] != nil ? "READY" : nil }
        #expect(order == ["RELOADING", "READY"])
        #expect(eventually { daemon.log.contains("reload: done") })

        // A bad reload: refused, logged, and still RELOADING then READY (the old configuration runs on).
        try "[daemon]\nworkers = \"many\"\n".write(to: dir.file("augmentd.toml"), atomically: false, encoding: .utf8)
        seen = socket.messages.count
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(eventually { socket.messages.dropFirst(seen).contains { $0.fields["READY"] == "1" } })
        let orderBad = socket.messages.dropFirst(seen).compactMap {
            $0.fields["RELOADING"] != nil ? "RELOADING" : $0.fields["READY"] != nil ? "READY" : nil
        }
        #expect(orderBad == ["RELOADING", "READY"])
        #expect(eventually { daemon.log.contains("reload refused, the running configuration stays: ") })
        #expect(daemon.log.contains("workers"), "the refusal names the key")

        // Stop: STOPPING=1, then exit 0.
        seen = socket.messages.count
        #expect(daemon.stop(SIGTERM) == 0)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(socket.messages.dropFirst(seen).contains { $0.fields["STOPPING"] == "1" })
    }

    @Test func noWatchdogPingsWhenTheWatchdogIsForAnotherProcess() throws {
        let (dir, socket, daemon) = try Self.startNotified("daemon-notify-pid",
                                                           environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        defer { socket.close(); withExtendedLifetime(dir) {} }   // the folder lives as long as the daemon
        #expect(eventually { socket.messages.contains { $0.fields["READY"] == "1" } })
        Thread.sleep(forTimeInterval: 1)
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(!socket.messages.contains { $0.fields["WATCHDOG"] != nil })
    }

    @Test func sighupAppliesANewProfileAndInboxAndABrokenConfigChangesNothing() throws {
        let dir = try TemporaryDirectory("daemon-reload")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.file("inbox2"), withIntermediateDirectories: true)
        let config = dir.file("augmentd.toml")
        try Self.serviceConfig(variants: 1, secondInbox: false).write(to: config, atomically: false, encoding: .utf8)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try Data(Self.png(1)).write(to: dir.file("inbox/cats/one.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty })

        // Three variants instead of one, and a second inbox with a fixed label.
        try Self.serviceConfig(variants: 3, secondInbox: true).write(to: config, atomically: false, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(eventually { daemon.log.contains("reload: done (2 inboxes)") }, "\(daemon.log)")
        try Data(Self.png(2)).write(to: dir.file("inbox/cats/two.png"))
        try Data(Self.png(3)).write(to: dir.file("inbox2/three.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty && Self.waiting(dir.file("inbox2")).isEmpty },
                "\(daemon.log)")

        // A broken file: refused, and the daemon goes on with what it had (three variants, two inboxes).
        try "[[watch]]\ninbox = \"inbox\"\nprofile = \"nosuch\"\n".write(to: config, atomically: false, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(eventually { daemon.log.contains("reload refused") }, "\(daemon.log)")
        try Data(Self.png(4)).write(to: dir.file("inbox/cats/four.png"))
        try Data(Self.png(5)).write(to: dir.file("inbox2/five.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty && Self.waiting(dir.file("inbox2")).isEmpty },
                "\(daemon.log)")

        // The second inbox removed again: let go, and what lands there now stays there.
        try Self.serviceConfig(variants: 3, secondInbox: false).write(to: config, atomically: false, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(eventually { daemon.log.contains("reload: no longer watching \(dir.file("inbox2").path)") }, "\(daemon.log)")
        try Data(Self.png(6)).write(to: dir.file("inbox2/six.png"))
        Thread.sleep(forTimeInterval: 2)
        #expect(Self.waiting(dir.file("inbox2")) == ["six.png"], "taken from an inbox no longer configured")
        #expect(daemon.stop(SIGTERM) == 0)

        let dataset = treeContents(dir.file("dataset"))
        func variants(_ label: String, _ stem: String, _ seed: UInt64) -> Int {
            dataset.keys.filter { $0.hasPrefix("train/\(label)/\(stem)-\(Self.h8(seed))-aug") }.count
        }
        #expect(variants("cats", "one", 1) == 1, "taken before the reload: the old profile")
        #expect(variants("cats", "two", 2) == 3, "taken after the reload: the new profile")
        #expect(variants("fixed", "three", 3) == 3, "the new inbox works, with its label")
        #expect(variants("cats", "four", 4) == 3 && variants("fixed", "five", 5) == 3, "a bad reload changed something")
        #expect(daemon.log.contains("profile"), "the refusal names the problem")
    }
}
