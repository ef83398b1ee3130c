import Foundation

/// A small tmpfs mounted for one test, to make a folder full or read-only for real. Needs root
/// (CI and this machine's sessions run as root); `mount` returns nil where it is not allowed, and
/// the test then skips itself.
public final class TmpfsMount {
    public let url: URL

    public init?(at url: URL, sizeKiB: Int) {
        self.url = url
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard Self.mount(["-t", "tmpfs", "-o", "size=\(sizeKiB)k,mode=0755", "tmpfs", url.path]) else { return nil }
    }

    /// Remounts read-only (EROFS for every write) or read-write again.
    @discardableResult
    public func remount(readOnly: Bool) -> Bool {
        Self.mount(["-o", readOnly ? "remount,ro" : "remount,rw", url.path])
    }

    /// Fills the filesystem with 4 KiB ballast files until a write fails, then frees `pages` of them.
    public func fill(leavingPages pages: Int) {
        var ballast = [URL]()
        let page = Data(repeating: 0x55, count: 4096)
        while ballast.count < 100_000 {
            let file = url.appendingPathComponent(".ballast-\(ballast.count)")
            guard FileManager.default.createFile(atPath: file.path, contents: page) else {
                try? FileManager.default.removeItem(at: file)
                break
            }
            ballast.append(file)
        }
        for file in ballast.suffix(pages) { try? FileManager.default.removeItem(at: file) }
    }

    /// Removes every ballast file: the space returns.
    public func freeBallast() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names where name.hasPrefix(".ballast-") {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    deinit {
        _ = Self.mount(["-o", "remount,rw", url.path])
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", url.path]
        try? umount.run()
        umount.waitUntilExit()
    }

    private static func mount(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
