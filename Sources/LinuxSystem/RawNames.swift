import CLinuxExtras
#if canImport(Glibc)
import Glibc
#endif

/// File names as Linux stores them: bytes, not necessarily UTF-8. Foundation's listings drop or
/// mangle names that are not UTF-8, so such files would be neither taken nor failed; these
/// calls see them, and give them a valid name in place.
public enum RawNames {
    /// Every entry of `folder` (not `.` and `..`), as raw bytes, unsorted.
    public static func list(_ folder: String) throws(SystemError) -> [[UInt8]] {
        guard let dir = opendir(folder) else { throw .call("opendir", errno: errno) }
        defer { closedir(dir) }
        var names = [[UInt8]]()
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw .call("readdir", errno: errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
    }

    /// The name as a String when it is valid UTF-8, else nil.
    public static func validName(_ name: [UInt8]) -> String? {
        String(validating: name, as: UTF8.self)
    }

    /// A valid UTF-8 name for `name`: its valid characters kept, each byte that is not part of
    /// one written as `%XX` (so "caf\xE9.jpg" becomes "caf%E9.jpg").
    public static func repaired(_ name: [UInt8]) -> String {
        decoded(name) { "%" + hex($0) }
    }

    /// The name for a log line: each byte that is not UTF-8 shown as `\xXX`.
    public static func displayed(_ name: [UInt8]) -> String {
        decoded(name) { "\\x" + hex($0) }
    }

    private static func decoded(_ name: [UInt8], invalidByte: (UInt8) -> String) -> String {
        var out = ""
        var index = 0
        while index < name.count {
            var iterator = name[index...].makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                index += encoded.count
            case .error(let length):
                for byte in name[index..<index + length] { out += invalidByte(byte) }
                index += length
            case .emptyInput:
                index = name.count
            }
        }
        return out
    }

    /// Renames `folder/name` (raw bytes) to `folder/newName`, never replacing an existing file.
    public static func rename(in folder: String, from name: [UInt8], to newName: String) throws(SystemError) {
        let from = Array(folder.utf8) + [0x2F] + name + [0]
        let status = from.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { lx_rename_noreplace($0.baseAddress, "\(folder)/\(newName)") }
        }
        if status != 0 { throw .call("rename", errno: errno) }
        try DurableFile.syncFolder(folder)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }
}
