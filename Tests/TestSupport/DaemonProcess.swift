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
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        while processIsAlive(process.processIdentifier) { Thread.sleep(forTimeInterval: 0.01) }
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
public func treeContents(_ root: URL) -> [String: Data] {
    var out = [String: Data]()
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return out }
    while let relative = walker.nextObject() as? String {
        let url = root.appendingPathComponent(relative)
        // Regular files only: reading a FIFO would block, and symlinks are not dataset content.
        guard let type = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType,
              type == .typeRegular, let data = try? Data(contentsOf: url)
        else { continue }
        out[relative] = data
    }
    return out
}

/// Alive and not a zombie (a zombie's parent may simply not have reaped it yet).
public func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
}
