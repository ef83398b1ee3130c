import Foundation
import Testing
import TestSupport

/// Faults from issue 10 on the release binary: a log reader that goes away, names that try to
/// forge log lines.
extension DaemonTests {
    /// `augmentd run … 2>&1 | head -1`: the reader is gone, every log write fails with EPIPE; the
    /// daemon must go on taking files and stop cleanly.
    @Test func aClosedLogPipeDoesNotStopTheDaemon() throws {
        let dir = try TemporaryDirectory("daemon-sigpipe")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = AugmentdBinary.url
        process.arguments = ["run", "--config", config.path]
        process.currentDirectoryURL = dir.url
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForReading.close()   // the reader went away
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try Data(Self.png(1)).write(to: dir.file("inbox/cats/a.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "the file was not taken")
        #expect(process.isRunning, "the daemon died writing its log to a closed pipe")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(treeContents(dir.file("dataset"))["train/cats/a-\(Self.h8(1)).png"] == Data(Self.png(1)))
    }

    /// A name holding a newline cannot forge a log line: every control character is escaped.
    @Test func namesWithNewlinesCannotForgeLogLines() throws {
        let dir = try TemporaryDirectory("daemon-forge")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        let name = "x\naugmentd: stopped\n.png"
        try Data(Self.png(2)).write(to: dir.file("inbox/cats").appendingPathComponent(name))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(eventually { daemon.log.contains("x\\naugmentd: stopped\\n.png") }, "\(daemon.log)")
        let lines = daemon.log.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("augmentd: stopped") }, "a forged line: \(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
    }
}
