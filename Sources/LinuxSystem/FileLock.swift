#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a file, held while the value lives (or until `release`). The
/// descriptor is deliberately inheritable: a child started while it is held keeps the lock
/// alive even if this process dies, so no second holder can start while the child still runs.
public final class FileLock {
    public let path: String
    private var descriptor: Int32

    /// Takes the lock without waiting; nil when another process (or open file) holds it.
    public static func tryAcquire(_ path: String) throws(SystemError) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        if fd < 0 { throw .call("open \(path)", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .call("flock \(path)", errno: code)
        }
        return FileLock(path: path, descriptor: fd)
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    public func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
