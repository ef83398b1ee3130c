import Foundation

/// The real `augmentd run`, started on a temporary configuration, with its log in a file.
public final class DaemonProcess {
    public let process = Process()
    public let logURL: URL

    public init(config: URL, workingDirectory: URL, log: URL, environment: [String: String] = [:]) throws {
        logURL = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.executableURL = AugmentdBinary.url
        process.arguments = ["run", "--config", config.path]
        process.currentDirectoryURL = workingDirectory
        process.standardError = handle
        process.standardOutput = handle
        process.standardInput = FileHandle.nullDevice
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        try process.run()
    }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends a signal and waits for the exit status.
    @discardableResult
    /// Sends `signal` (0: none, the daemon is expected to exit by itself) and waits for the exit,
    /// at most `within` seconds: a daemon still running then is killed and -1 returned, so a test
    /// fails instead of hanging the suite.
    public func stop(_ signal: Int32 = SIGTERM, within seconds: Double = 120) -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill9()
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    /// SIGKILL, returning as soon as the process is dead (its children, orphaned, may live on).
    /// SIGKILL, then waits until the process is reaped: only then have all its threads exited and
    /// its locks gone (its main thread shows as a zombie while others are still exiting, and a
    /// restart then found the state_dir lock still held).
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls `condition` every 50 ms for up to `seconds`; returns whether it became true.
public func eventually(within seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// Every regular file below `root` (symlinks and special files skipped), as relative paths with their bytes.
public func treeContents(_ root: URL) -> [String: Data] { readableTree(root) ?? [:] }

/// The same, or nil when `root` itself cannot be listed (not "empty"). Walked folder by folder with
/// readdir, each entry checked on its own, so an entry the daemon creates or moves meanwhile is just
/// missing and the rest are all listed. FileManager's enumerator is not: while sibling entries came
/// and went, its walks missed files that never moved (628 of 34,644 walks; this walk 0 of 7,439), and
/// a test waiting for an empty inbox stopped a daemon with a file still in it.
public func readableTree(_ root: URL) -> [String: Data]? {
    var out = [String: Data]()
    func walk(_ relative: String) -> Bool {
        let folder = relative.isEmpty ? root.path : root.appendingPathComponent(relative).path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        for name in names {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            let url = root.appendingPathComponent(path)
            // Regular files only: reading a FIFO would block, and symlinks are not dataset content.
            switch (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType {
            case .typeDirectory?: _ = walk(path)
            case .typeRegular?: if let data = try? Data(contentsOf: url) { out[path] = data }
            default: continue
            }
        }
        return true
    }
    return walk("") ? out : nil
}

/// Alive and not a zombie (a zombie's parent may simply not have reaped it yet).
public func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
}
