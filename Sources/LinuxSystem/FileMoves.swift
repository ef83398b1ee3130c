#if canImport(Glibc)
import Glibc
#endif

/// Moving files without ever losing one: rename where possible, otherwise a durable copy first
/// and the unlink last.
public enum FileMoves {
    /// Size and modification time of a path (not following symlinks).
    public static func status(_ path: String) throws(SystemError) -> FileStatus {
        var info = stat()
        if lstat(path, &info) != 0 { throw .call("lstat", errno: errno) }
        return FileStatus(kind: FileKind(mode: info.st_mode), size: Int(info.st_size),
                          modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
                          changed: Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9)
    }

    /// Moves `from` to `to` (replacing it), durably: rename and fsync both folders, or, across
    /// filesystems, copy + fsync + rename into place, then unlink the source.
    public static func move(_ from: String, to: String) throws(SystemError) {
        if rename(from, to) == 0 {
            try DurableFile.syncFolder(DurableFile.split(to).folder)
            try DurableFile.syncFolder(DurableFile.split(from).folder)
            return
        }
        let code = errno
        guard code == EXDEV else { throw .call("rename", errno: code) }
        try DurableFile.write(try RegularFile.read(from), to: to)
        if unlink(from) != 0 {
            // The source stays (read-only or no permission): take the copy back, so the file is in
            // exactly one place.
            let code = errno
            unlink(to)
            throw .call("unlink", errno: code)
        }
        try DurableFile.syncFolder(DurableFile.split(from).folder)
    }

    /// Removes a file and makes the removal durable.
    public static func remove(_ path: String) throws(SystemError) {
        if unlink(path) != 0 {
            let code = errno
            if code == ENOENT { return }
            throw .call("unlink", errno: code)
        }
        try DurableFile.syncFolder(DurableFile.split(path).folder)
    }

    /// Whether anything (even a dangling symlink) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// What `lstat` says about a path.
public struct FileStatus: Sendable, Equatable {
    public let kind: FileKind
    public let size: Int
    /// mtime: set by writers, and by tools that copy timestamps (so it may be old, or in the future).
    public let modified: Double
    /// ctime: set by the kernel on every write, rename or link; never chosen by a user.
    public let changed: Double
}

extension FileMoves {
    /// Whether this process may add and remove entries in `folder` (not read-only, permitted).
    public static func canModify(_ folder: String) -> Bool {
        access(folder, W_OK | X_OK) == 0
    }
}
