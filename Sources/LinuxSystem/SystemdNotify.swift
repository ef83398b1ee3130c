#if canImport(Glibc)
import Glibc
#endif

/// The systemd notify protocol without libsystemd (sd_notify(3)): newline-separated
/// `KEY=VALUE` fields in one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET, a
/// filesystem path or, with a leading `@`, an abstract-namespace name.
public final class SystemdNotifier: Sendable {
    private let descriptor: Int32
    private let address: [UInt8]   // the sockaddr_un bytes, exactly as long as systemd expects

    /// nil when not started by a service manager (no NOTIFY_SOCKET) or the name is unusable.
    public init?(socketName: String?) {
        guard let name = socketName, name.hasPrefix("/") || name.hasPrefix("@") else { return nil }
        var path = Array(name.utf8)
        let isAbstract = path.first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 } else { path.append(0) }
        var storage = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard path.count <= capacity else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (i, byte) in path.enumerated() { raw[i] = byte }
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count
        address = withUnsafeBytes(of: &storage) { Array($0.prefix(length)) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Sends the fields as one datagram.
    public func send(_ fields: [String]) throws(SystemError) {
        let message = Array(fields.joined(separator: "\n").utf8)
        let sent = message.withUnsafeBytes { body in
            address.withUnsafeBytes { raw in
                raw.withMemoryRebound(to: sockaddr.self) { socketAddress in
                    retryingOnInterrupt {
                        sendto(descriptor, body.baseAddress, body.count, Int32(MSG_NOSIGNAL),
                               socketAddress.baseAddress, socklen_t(raw.count))
                    }
                }
            }
        }
        if sent < 0 { throw .call("sendto NOTIFY_SOCKET", errno: errno) }
    }

    /// The watchdog period in seconds when systemd asks this process for keep-alive pings:
    /// WATCHDOG_USEC is set and WATCHDOG_PID is unset or our pid (as sd_watchdog_enabled decides).
    public static func watchdogPeriod(usec: String?, pid: String?) -> Double? {
        guard let usec, let value = UInt64(usec), value > 0 else { return nil }
        if let pid, Int32(pid) != getpid() { return nil }
        return Double(value) / 1_000_000
    }

    /// CLOCK_MONOTONIC in microseconds, as RELOADING=1's MONOTONIC_USEC wants it.
    public static var monotonicMicroseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
