#if canImport(Glibc)
import Glibc
#endif

/// Reading image files safely: never through a symlink, never blocking on a FIFO,
/// never opening a device.
public enum RegularFile {
    /// The kind of what is at `path`, without following a symlink.
    public static func kind(at path: String) throws(SystemError) -> FileKind {
        var status = stat()
        if lstat(path, &status) != 0 { throw .call("lstat", errno: errno) }
        return FileKind(mode: status.st_mode)
    }

    /// Reads a whole regular file. Anything else (symlink, FIFO, device, directory, socket) is
    /// refused before it is opened, and checked again on the open descriptor so a swap in between
    /// cannot trick us.
    public static func read(_ path: String, maxBytes: Int = 1 << 30) throws(SystemError) -> [UInt8] {
        let kind = try kind(at: path)
        guard kind == .regular else { throw .notRegularFile(kind) }
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        if fd < 0 {
            let code = errno
            throw code == ELOOP ? .notRegularFile(.symlink) : .call("open", errno: code)
        }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) != 0 { throw .call("fstat", errno: errno) }
        let openedKind = FileKind(mode: status.st_mode)
        guard openedKind == .regular else { throw .notRegularFile(openedKind) }
        let size = Int(status.st_size)
        if size > maxBytes { throw .fileTooLarge(size: size, limit: maxBytes) }
        return try readToEnd(fd, expected: size, maxBytes: maxBytes)
    }

    private static func readToEnd(_ fd: Int32, expected: Int, maxBytes: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(expected, 0))
        var filled = 0
        while true {
            if filled == bytes.count {
                // The file grew while we read it: keep going, within the limit.
                if bytes.count >= maxBytes {
                    var probe: UInt8 = 0
                    let extra = retryingOnInterrupt { Glibc.read(fd, &probe, 1) }
                    if extra > 0 { throw .fileTooLarge(size: bytes.count + 1, limit: maxBytes) }
                    break
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 65536), maxBytes - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { raw in
                retryingOnInterrupt { Glibc.read(fd, raw.baseAddress! + filled, raw.count - filled) }
            }
            if count < 0 { throw .call("read", errno: errno) }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
