#if canImport(Glibc)
import Glibc
#endif

/// A name claimed by binding an abstract Unix socket: held while the value lives, released by
/// the kernel when the process dies (even by kill -9), and it leaves no file behind. Used to
/// see a second daemon on the same inbox on this host (within one network namespace). A lock
/// file inside the inbox would do the same but pins the folder: its deletion would not be seen.
public final class AbstractSocketClaim {
    private var descriptor: Int32

    /// Claims `name`; nil when another process holds it.
    public static func tryClaim(_ name: String) throws(SystemError) -> AbstractSocketClaim? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .call("socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(100))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0   // abstract namespace: no file
            for (i, byte) in bytes.enumerated() { path[i + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if status != 0 {
            let code = errno
            close(fd)
            if code == EADDRINUSE { return nil }
            throw .call("bind", errno: code)
        }
        return AbstractSocketClaim(descriptor: fd)
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    public func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
