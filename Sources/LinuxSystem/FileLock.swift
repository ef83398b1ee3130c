#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a file, held while the value lives (or until `release`). The
/// descriptor is close-on-exec; a child that must keep the lock alive (even if this process
/// dies) gets it explicitly, through `ProcessGroup(inheriting:)`.
public final class FileLock {
    public let path: String
    public private(set) var descriptor: Int32

    /// Takes the lock without waiting; nil when another process (or open file) holds it.
    public static func tryAcquire(_ path: String) throws(SystemError) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
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
