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
        Self.unmount(url.path)
    }

    static func unmount(_ path: String) {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", path]
        try? umount.run()
        umount.waitUntilExit()
    }

    static func mount(_ arguments: [String]) -> Bool {
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

/// A folder bound onto itself read-only (EROFS for every change in it), for one test; root only,
/// nil elsewhere. `release()` (or deinit) makes it writable again.
public final class ReadOnlyBind {
    public let url: URL
    private var mounted = true

    public init?(_ url: URL) {
        self.url = url
        guard TmpfsMount.mount(["--bind", url.path, url.path]) else { return nil }
        guard TmpfsMount.mount(["-o", "remount,bind,ro", url.path]) else {
            TmpfsMount.unmount(url.path)
            return nil
        }
    }

    public func release() {
        guard mounted else { return }
        mounted = false
        TmpfsMount.unmount(url.path)
    }

    deinit { release() }
}
