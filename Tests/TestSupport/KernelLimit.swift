import Foundation

/// A kernel limit under /proc/sys (root only), set for the length of a closure and then put back.
public enum KernelLimit {
    /// Whether this process may change `/proc/sys/<name>`: root, and /proc/sys not mounted
    /// read-only (as it is in most containers).
    public static func canChange(_ name: String) -> Bool {
        getuid() == 0 && access("/proc/sys/\(name)", W_OK) == 0
    }

    /// Sets `/proc/sys/<name>` to `value` while `body` runs; the old value is restored afterwards,
    /// whatever happens, and `restored` says whether it reads back as before.
    @discardableResult
    public static func with<T>(_ name: String, at value: Int, _ body: () throws -> T) throws -> (result: T, restored: Bool) {
        let path = "/proc/sys/\(name)"
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        try "\(value)\n".write(toFile: path, atomically: false, encoding: .utf8)
        let result: T
        do {
            defer { try? saved.write(toFile: path, atomically: false, encoding: .utf8) }
            result = try body()
        }
        return (result, (try? String(contentsOfFile: path, encoding: .utf8)) == saved)
    }
}
