import CLinuxExtras
#if canImport(Glibc)
import Glibc
#endif

/// Writes that survive a crash: a dot-temp file in the target folder, fsync, rename over the
/// target, fsync of the folder. Readers see the old file or the complete new one, never a part.
public enum DurableFile {
    /// Atomically replaces (or creates) `path` with `bytes`. With `syncFolder: false` the caller
    /// makes the new name durable itself (one folder fsync after several files).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                             syncFolder: Bool = true, replacing: Bool = true) throws(SystemError) {
        let (folder, name) = split(path)
        let temp = "\(folder)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))@\(hostTag)"
        let fd = retryingOnInterrupt { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode) }
        if fd < 0 { throw .call("open", errno: errno) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do throws(SystemError) {
            try writeAll(fd, bytes)
            if fsync(fd) != 0 { throw SystemError.call("fsync", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw .call("close", errno: errno) }
        // Without `replacing`, an existing file wins (EEXIST): nothing that is there is overwritten.
        let renamed = replacing ? rename(temp, path) : lx_rename_noreplace(temp, path)
        if renamed != 0 { throw .call("rename", errno: errno) }
        ok = true
        if syncFolder { try Self.syncFolder(folder) }
    }

    /// A dot-temp file of `write` whose writer is gone (its process id, in the name, is not running
    /// on this host): what a kill -9 in the middle of a write leaves. Another live writer's temp file
    /// is not, nor one written on another host (several daemons on a shared dataset), whose process
    /// this host cannot see. Names from before the host tag (no `@`) are judged by their process id.
    /// `atStart`: this process has written nothing yet, so a name with its own process id is a
    /// predecessor's (in a container a restarted daemon often gets the same id).
    public static func isAbandonedTemp(_ name: String, atStart: Bool = false) -> Bool {
        guard name.hasPrefix("."), let marker = name.firstRange(of: ".tmp-") else { return false }
        let tail = name[marker.upperBound...]
        if let at = tail.lastIndex(of: "@"), tail[tail.index(after: at)...] != hostTag { return false }
        guard let pid = Int32(tail.prefix { $0 != "-" }), pid > 0 else { return false }
        if pid == getpid() { return atStart }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// This host in temp file names: 8 hex digits of a hash of its name (short, so that a long file
    /// name still fits in NAME_MAX with its temp suffix).
    public static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : ""
        var hash: UInt32 = 2_166_136_261   // FNV-1a
        for byte in host.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()

    /// fsync of a folder, so a rename or a new entry in it is durable.
    public static func syncFolder(_ folder: String) throws(SystemError) {
        let fd = retryingOnInterrupt { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw .call("open", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .call("fsync", errno: errno) }
    }

    /// Creates a folder and its missing parents (mode 0755); existing folders are fine.
    public static func makeFolders(_ path: String) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, 0o755) != 0 {
                let code = errno
                if code == EEXIST {
                    var status = stat()
                    if stat(current, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { continue }
                    throw .call("mkdir", errno: ENOTDIR)
                }
                throw .call("mkdir", errno: code)
            }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                retryingOnInterrupt { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            }
            if written < 0 { throw .call("write", errno: errno) }
            offset += written
        }
    }

    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}

extension DurableFile {
    /// Proves that `folder` takes new files (not full of inodes, read-only or forbidden): creates and
    /// removes a dot-file in it.
    public static func checkWritable(_ folder: String) throws(SystemError) {
        let probe = "\(folder)/.augmentd-write-check-\(getpid())"
        let fd = retryingOnInterrupt { open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        if fd < 0 { throw .call("open", errno: errno) }
        close(fd)
        unlink(probe)
    }
}
