import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET: records every message the daemon
/// sends, with the time it arrived, on a background thread.
public final class NotifySocket: @unchecked Sendable {
    public struct Message: Sendable {
        public let fields: [String: String]
        public let text: String
        public let at: Date
    }

    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [Message] = []

    public init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0 else { throw NSError(domain: "NotifySocket", code: Int(errno)) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receiveLoop() }
        thread.start()
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            lock.lock()
            let stop = closed
            lock.unlock()
            if stop { return }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return
            }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            var fields = [String: String]()
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                fields[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            lock.lock()
            received.append(Message(fields: fields, text: text, at: Date()))
            lock.unlock()
        }
    }

    /// Every message so far, in arrival order.
    public var messages: [Message] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private var closed = false

    /// Stops the receiving thread and removes the socket (call when done).
    public func close() {
        lock.lock()
        closed = true
        lock.unlock()
        Thread.sleep(forTimeInterval: 0.2)   // the receive loop wakes every 100 ms and sees `closed`
        _ = Glibc.close(descriptor)
        unlink(path)
    }
}
