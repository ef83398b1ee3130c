import Foundation

extension Ledger {
    /// Why the ledger file cannot be trusted, or nil when it is sound: a file shorter than its own
    /// header says, then what `PRAGMA quick_check` finds.
    public static func damage(at path: String) -> String? {
        if let truncation = truncation(at: path) { return truncation }
        do {
            let db = try SQLiteConnection(path: path, create: false)
            var problems = [String]()
            try db.query("PRAGMA quick_check(5)") { problems.append($0.text(0)) }
            return problems == ["ok"] ? nil : problems.joined(separator: "; ")
        } catch {
            return error.message
        }
    }

    /// A file cut short whose missing tail holds only free pages passes `quick_check` (free leaf
    /// pages are never read), so the header's page count is checked against the file's size. The
    /// header count is trusted only when SQLite itself would (its change counter matches
    /// "version valid for") and no write-ahead log could still extend the file.
    static func truncation(at path: String) -> String? {
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        guard wal == 0, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 100), header.count == 100,
              let size = try? handle.seekToEnd() else { return nil }
        let bytes = [UInt8](header)
        func u32(_ at: Int) -> UInt64 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt64($1) } }
        guard bytes.starts(with: Array("SQLite format 3\0".utf8)), u32(24) == u32(92) else { return nil }
        let rawPageSize = UInt64(bytes[16]) << 8 | UInt64(bytes[17])
        let pageSize: UInt64 = rawPageSize == 1 ? 65536 : rawPageSize
        let pages = u32(28)
        guard pages > 0, size < pages * pageSize else { return nil }
        return "the file is \(size) bytes but its header counts \(pages) pages of \(pageSize) bytes (cut short)"
    }
}

extension Ledger {
    /// Whether the ledger at `path` records at least one original. An empty file, a new schema, or a
    /// file whose write-ahead log was lost can all open cleanly and still know nothing.
    public static func recordsAnyOriginal(at path: String) -> Bool {
        do {
            let db = try SQLiteConnection(path: path, create: false)
            var tables = 0
            try db.query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'originals'") { tables = Int($0.int(0)) }
            guard tables == 1 else { return false }
            var any = false
            try db.query("SELECT EXISTS (SELECT 1 FROM originals)") { any = $0.int(0) != 0 }
            return any
        } catch {
            return true   // unreadable: `damage(at:)` names why
        }
    }
}
