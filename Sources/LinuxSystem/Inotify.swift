#if canImport(Glibc)
import Glibc
#endif

/// inotify event bits (inotify(7)).
public struct InotifyMask: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let closeWrite = InotifyMask(rawValue: UInt32(IN_CLOSE_WRITE))
    public static let movedTo = InotifyMask(rawValue: UInt32(IN_MOVED_TO))
    public static let movedFrom = InotifyMask(rawValue: UInt32(IN_MOVED_FROM))
    public static let create = InotifyMask(rawValue: UInt32(IN_CREATE))
    public static let delete = InotifyMask(rawValue: UInt32(IN_DELETE))
    public static let deleteSelf = InotifyMask(rawValue: UInt32(IN_DELETE_SELF))
    public static let moveSelf = InotifyMask(rawValue: UInt32(IN_MOVE_SELF))
    public static let attrib = InotifyMask(rawValue: UInt32(IN_ATTRIB))
    public static let isDirectory = InotifyMask(rawValue: UInt32(IN_ISDIR))
    public static let queueOverflow = InotifyMask(rawValue: UInt32(IN_Q_OVERFLOW))
    public static let ignored = InotifyMask(rawValue: UInt32(IN_IGNORED))
    public static let onlyDirectory = InotifyMask(rawValue: UInt32(IN_ONLYDIR))
    public static let dontFollow = InotifyMask(rawValue: UInt32(IN_DONT_FOLLOW))
}

/// One inotify event; names are bytes (Linux file names need not be UTF-8).
public struct InotifyEvent: Sendable, Equatable {
    public let watch: Int32
    public let mask: InotifyMask
    public let cookie: UInt32
    public let name: [UInt8]

    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

/// Owns one inotify descriptor. Not thread-safe: one owner reads it and changes its watches.
public final class Inotify {
    public let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    public init() throws(SystemError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 {
            let code = errno
            throw code == EMFILE ? .inotifyInstanceLimit : .call("inotify_init1", errno: code)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Watches a folder; ENOSPC means the per-user watch limit was reached.
    public func addWatch(_ path: String, mask: InotifyMask) throws(SystemError) -> Int32 {
        let wd = inotify_add_watch(descriptor, path, mask.rawValue)
        if wd < 0 {
            let code = errno
            throw code == ENOSPC ? .inotifyWatchLimit : .call("inotify_add_watch", errno: code)
        }
        return wd
    }

    public func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(descriptor, watch)
    }

    /// Waits up to `timeout` milliseconds for events, then drains everything queued.
    public func read(timeout: Int32) throws(SystemError) -> [InotifyEvent] {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeout)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw .call("poll", errno: errno)
        }
        if ready == 0 { return [] }
        var events = [InotifyEvent]()
        let headerSize = MemoryLayout<inotify_event>.size
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                retryingOnInterrupt { Glibc.read(descriptor, raw.baseAddress!, raw.count) }
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                throw .call("read", errno: errno)
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + headerSize <= count {
                    let header = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + headerSize, nameEnd = nameStart + Int(header.len)
                    guard nameEnd <= count else { break }
                    let name = Array(raw[nameStart..<nameEnd].prefix { $0 != 0 })
                    events.append(InotifyEvent(watch: header.wd, mask: InotifyMask(rawValue: header.mask),
                                               cookie: header.cookie, name: name))
                    offset = nameEnd
                }
            }
        }
        return events
    }
}
