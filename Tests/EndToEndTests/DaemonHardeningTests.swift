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

/// Names: bytes that are not UTF-8, Unicode twins, hidden label folders.
extension DaemonTests {
    /// Writes a file whose name is raw bytes (not necessarily UTF-8) into `folder`.
    static func writeRawName(_ folder: URL, _ name: [UInt8], _ bytes: [UInt8]) throws {
        let path = Array(folder.path.utf8) + [0x2F] + name + [0]
        let fd = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    /// "caf\xE9.png" (Latin-1, as old cameras and zip files write it), before the start and while
    /// running: each is given a valid name in place (%E9), logged, and taken under it.
    @Test func namesThatAreNotUTF8AreRenamedAndTaken() throws {
        let dir = try TemporaryDirectory("daemon-latin1")
        let config = try Self.config(dir, variants: 1)
        let cats = dir.file("inbox/cats")
        try FileManager.default.createDirectory(at: cats, withIntermediateDirectories: true)
        try Self.writeRawName(cats, Array("caf".utf8) + [0xE9] + Array(".png".utf8), Self.png(51))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try Self.writeRawName(cats, Array("na".utf8) + [0xEF, 0xBF] + Array("ve.png".utf8), Self.png(52))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty && (try? FileManager.default.contentsOfDirectory(atPath: cats.path))?.isEmpty == true },
                "\(daemon.log)")
        // The log escapes every backslash, so the old name's `\xE9` reads `\\xE9` there.
        #expect(daemon.log.contains("renamed \(cats.path)/caf\\\\xE9.png to \(cats.path)/caf%E9.png"), "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        let tree = treeContents(dir.file("dataset"))
        #expect(tree["train/cats/caf%E9-\(Self.h8(51)).png"] == Data(Self.png(51)), "\(tree.keys.sorted())")
        #expect(tree["train/cats/na%EF%BFve-\(Self.h8(52)).png"] == Data(Self.png(52)), "\(tree.keys.sorted())")
    }

    /// Label folders "café" in NFC and in NFD are one class (NFC); two files whose names differ
    /// only by normalisation are both taken, at once.
    @Test func unicodeTwinsAreOneLabelAndTwoFiles() throws {
        let dir = try TemporaryDirectory("daemon-twins")
        let config = try Self.config(dir, variants: 1)
        try Self.setRescanInterval(config, "1h")
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try FileManager.default.createDirectory(at: dir.file("inbox/\(nfc)"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.file("inbox/\(nfd)"), withIntermediateDirectories: true)
        try Data(Self.png(53)).write(to: dir.file("inbox/\(nfc)/x.png"))
        try Data(Self.png(54)).write(to: dir.file("inbox/\(nfd)/x.png"))
        try Data(Self.png(55)).write(to: dir.file("inbox/\(nfc)/\(nfc).png"))
        try Data(Self.png(56)).write(to: dir.file("inbox/\(nfc)/\(nfd).png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        let labels = try FileManager.default.contentsOfDirectory(atPath: dir.file("dataset/train").path)
        #expect(labels.map { Array($0.utf8) } == [Array(nfc.utf8)], "one NFC class: \(labels.map { Array($0.utf8) })")
        let files = Self.visibleFiles(dir.file("dataset/train/\(nfc)"))
        #expect(files.count == 8, "\(files)")
    }

    /// A label folder named with a leading dot is hidden (never taken): said once in the log.
    @Test func hiddenLabelFoldersAreNamedInTheLog() throws {
        let dir = try TemporaryDirectory("daemon-dot-label")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.createDirectory(at: dir.file("inbox/..x"), withIntermediateDirectories: true)
        try Data(Self.png(57)).write(to: dir.file("inbox/..x/a.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        #expect(daemon.log.contains("ignoring \(dir.file("inbox").path)/..x: names starting with a dot are hidden"), "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("inbox/..x/a.png").path))
    }
}

/// Paths longer than PATH_MAX.
extension DaemonTests {
    /// Folders nested below `folder` (made with mkdirat/openat, since no path call can reach that
    /// deep) until the path passes 4096 bytes, with an image at the bottom.
    static func makeDeepTree(_ folder: URL, image: [UInt8]) throws {
        var fd = open(folder.path, O_RDONLY | O_DIRECTORY)
        let name = String(repeating: "d", count: 200)
        for _ in 0..<22 {
            #expect(mkdirat(fd, name, 0o755) == 0)
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        let file = openat(fd, "deep.png", O_WRONLY | O_CREAT, 0o644)
        #expect(image.withUnsafeBytes { write(file, $0.baseAddress, $0.count) } == image.count)
        close(file)
        close(fd)
    }

    /// A file below a path longer than PATH_MAX is failed with the reason (log and status), once;
    /// the other files of the inbox are taken as usual.
    @Test func pathsLongerThanPathMaxAreFailedWithTheReason() throws {
        let dir = try TemporaryDirectory("daemon-path-max")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try Self.makeDeepTree(dir.file("inbox/cats"), image: Self.png(63))
        defer {   // FileManager cannot remove what it cannot name; rm(1) walks with openat
            let rm = Process()
            rm.executableURL = URL(fileURLWithPath: "/bin/rm")
            rm.arguments = ["-rf", dir.file("inbox/cats").appendingPathComponent(String(repeating: "d", count: 200)).path]
            try? rm.run()
            rm.waitUntilExit()
        }
        try Data(Self.png(64)).write(to: dir.file("inbox/cats/short.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("longer than Linux takes (4095)") }, "\(daemon.log)")
        #expect(eventually { !FileManager.default.fileExists(atPath: dir.file("inbox/cats/short.png").path) }, "\(daemon.log)")
        let row = try Self.statusRow(config, dir, label: "cats")
        #expect(row?["failed"] as? Int == 1, "\(row ?? [:])")
        #expect((row?["last_error"] as? String)?.contains("longer than Linux takes") == true, "\(row ?? [:])")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.components(separatedBy: "longer than Linux takes").count == 2, "reported once")
    }
}

/// Two augmentd on one dataset or inbox.
extension DaemonTests {
    /// A second daemon with its own state_dir (so its own ledger) on the same inbox is refused:
    /// the inbox's lock file is held; the first daemon goes on.
    @Test func aSecondDaemonOnTheSameInboxIsRefused() throws {
        let dir = try TemporaryDirectory("daemon-shared-inbox")
        let config = try Self.config(dir, variants: 1)
        let first = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("first.txt"))
        #expect(eventually { first.log.contains("watching 1 inbox") }, "\(first.log)")
        let otherText = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "state_dir = \"state\"", with: "state_dir = \"state2\"")
            .replacingOccurrences(of: "dataset_root = \"dataset\"", with: "dataset_root = \"dataset2\"")
        let other = dir.file("other.toml")
        try otherText.write(to: other, atomically: true, encoding: .utf8)
        let second = try AugmentdBinary.run(["run", "--config", other.path], currentDirectory: dir.url)
        #expect(second.status == 1)
        #expect(second.stderr.contains("is watched by another augmentd"), "\(second.stderr)")
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try Data(Self.png(65)).write(to: dir.file("inbox/cats/a.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty })
        #expect(first.stop(SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.file("dataset2").path + "/train"))
    }

    /// `augment` into a dataset the daemon grew, with other settings, replaces nothing: the
    /// daemon's original and variants keep their bytes, and the report says so.
    @Test func augmentNeverReplacesWhatADaemonWrote() throws {
        let dir = try TemporaryDirectory("daemon-augment-shared")
        let config = try Self.config(dir, variants: 2)
        try Self.addFilesAndStop(dir, config, seeds: [66])
        let before = treeContents(dir.file("dataset"))
        #expect(before.count == 3)
        let changed = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "rotation_range = 15", with: "rotation_range = 40")
        try changed.write(to: config, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.file("again/cats"), withIntermediateDirectories: true)
        try Data(Self.png(66)).write(to: dir.file("again/cats/s66.png"))
        let result = try AugmentdBinary.run(["augment", dir.file("again").path, "--config", config.path,
                                             "--profile", "test", "--out", dir.file("dataset").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("already in the dataset"), "\(result.stderr)")
        #expect(treeContents(dir.file("dataset")) == before, "augment replaced the daemon's files")
    }
}
