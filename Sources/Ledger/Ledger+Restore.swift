import Foundation

/// Device and inode of a file, to tell the file a process opened from one put in its place.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// A ledger file deleted while the daemon runs (`rm -rf state/`, a cleanup script): SQLite keeps
/// writing to the open, deleted file, and everything would be lost at the next start. The open
/// database is written back to its path instead, and the connection moves to it.
extension Ledger {
    /// Whether the file at `path` is no longer the one this ledger has open.
    public var fileIsGone: Bool {
        let current = FileIdentity(path: path)
        return openedFile.withLock { (opened: inout FileIdentity?) -> Bool in current != opened }
    }

    /// Writes the open database to `path` (`VACUUM INTO` a temp file, then rename) and reconnects to it.
    public func restoreFile() throws(LedgerError) {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        let temp = path + ".restoring"
        unlink(temp)
        try connection.withLock { (db: inout SQLiteConnection) throws(LedgerError) in
            let quoted = temp.replacingOccurrences(of: "'", with: "''")
            try db.execute("VACUUM INTO '\(quoted)'")
            // Closing the old connection checkpoints into the deleted file and removes its -wal and
            // -shm by name; only then the restored file takes the name and gets a connection.
            db.close()
            guard rename(temp, path) == 0 else {
                throw LedgerError(operation: "restore", message: "cannot rename \(temp) to \(path): errno \(errno)", code: 0)
            }
            db = try Self.connect(path)
        }
        let restored = FileIdentity(path: path)
        openedFile.withLock { (opened: inout FileIdentity?) in opened = restored }
    }
}
