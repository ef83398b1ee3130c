#if canImport(Glibc)
import Glibc
#endif

/// What a path turned out to be, when it is not what augmentd will open.
public enum FileKind: String, Sendable {
    case regular = "regular file"
    case directory
    case symlink = "symbolic link"
    case fifo = "FIFO"
    case characterDevice = "character device"
    case blockDevice = "block device"
    case socket
    case unknown = "unknown file type"

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }
}

/// A failed system call or a file augmentd refuses to touch. The description names the reason;
/// callers add the path when they print it.
public enum SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A symlink, FIFO, device, socket or directory where a regular file was expected.
    case notRegularFile(FileKind)
    /// A file larger than the caller allows to be read into memory.
    case fileTooLarge(size: Int, limit: Int)
    /// A system call failed with errno.
    case call(String, errno: Int32)
    /// inotify_add_watch hit fs.inotify.max_user_watches.
    case inotifyWatchLimit
    /// inotify_init1 hit fs.inotify.max_user_instances.
    case inotifyInstanceLimit

    public var description: String {
        switch self {
        case .notRegularFile(let kind):
            "not a regular file: \(kind.rawValue)"
        case .fileTooLarge(let size, let limit):
            "file too large: \(size) bytes, the limit is \(limit)"
        case .call(let name, let code):
            "\(String(cString: strerror(code))) (\(name), errno \(code))"
        case .inotifyWatchLimit:
            "the inotify watch limit is reached (fs.inotify.max_user_watches); raise it with "
                + "`sysctl fs.inotify.max_user_watches=524288` (and in /etc/sysctl.d/ to keep it)"
        case .inotifyInstanceLimit:
            "the inotify instance limit is reached (fs.inotify.max_user_instances); raise it with "
                + "`sysctl fs.inotify.max_user_instances=512`"
        }
    }

    /// The file (or a folder on its path) does not exist: ENOENT.
    public var isNotFound: Bool { errno == ENOENT }

    /// The path is gone or is no longer a folder (ENOENT, ENOTDIR): it changed under us.
    public var isGoneOrNotAFolder: Bool { errno == ENOENT || errno == ENOTDIR }

    /// The target name is taken (a rename that must not replace).
    public var isAlreadyExists: Bool { errno == EEXIST }

    /// The errno value, when this error came from a system call.
    public var errno: Int32? {
        if case .call(_, let code) = self { return code }
        return nil
    }
}

/// Retries a call interrupted by a signal, as every blocking syscall here must.
@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result == -1 && Glibc.errno == EINTR { continue }
        return result
    }
}
