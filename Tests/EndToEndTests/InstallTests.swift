import Foundation
import Testing
import TestSupport

/// What a newcomer and an operator run: the Quick start's first command, the install script,
/// and the systemd unit it installs.
@Suite(.serialized)
struct InstallTests {
    /// The repository's tracked files, copied as a fresh clone would have them (no .build, no demo/).
    static func freshCopy(into dir: TemporaryDirectory) throws -> URL {
        let listing = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/git"), ["-c", "safe.directory=*", "ls-files", "-z"],
                                         currentDirectory: TestPaths.repository)
        try #require(listing.status == 0, "\(listing.stderr)")
        let copy = dir.file("clone")
        for relative in listing.stdout.split(separator: "\0").map(String.init) {
            let source = TestPaths.repository.appendingPathComponent(relative)
            let target = copy.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        return copy
    }

    @Test func theQuickStartsFirstCommandGrowsTheDemoDataset() throws {
        let dir = try TemporaryDirectory("quickstart")
        let clone = try Self.freshCopy(into: dir)
        let process = Process()
        process.executableURL = clone.appendingPathComponent("scripts/quickstart.sh")
        process.currentDirectoryURL = clone
        // The script's build step is replaced by the binary under test; everything after it runs as written.
        process.environment = ProcessInfo.processInfo.environment.merging(["AUGMENTD_BIN": AugmentdBinary.url.path]) { $1 }
        let log = dir.file("quickstart.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let dataset = clone.appendingPathComponent("demo/dataset")
        func text() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(eventually { treeContents(dataset).keys.filter { $0.contains("-aug") }.count >= 8 }, "\(text())")
        #expect(text().contains("Drop images into   \(clone.path)/demo/inbox/<label>/"))
        kill(process.processIdentifier, SIGINT)   // Ctrl-C, as the script says
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let tree = treeContents(dataset)
        #expect(tree.keys.contains { $0.hasPrefix("train/samples/") || $0.hasPrefix("val/samples/") }, "\(tree.keys.sorted())")
    }

    @Test func theInstallScriptPutsBinaryUnitAndConfigInPlace() throws {
        let dir = try TemporaryDirectory("install")
        let root = dir.file("root")
        let result = try Subprocess.run(TestPaths.repository.appendingPathComponent("scripts/install.sh"), [],
                                        environment: ["DESTDIR": root.path, "AUGMENTD_BIN": AugmentdBinary.url.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let fm = FileManager.default
        #expect(fm.isExecutableFile(atPath: root.appendingPathComponent("usr/local/bin/augmentd").path))
        #expect(fm.fileExists(atPath: root.appendingPathComponent("etc/systemd/system/augmentd.service").path))
        #expect(fm.fileExists(atPath: root.appendingPathComponent("srv/augmentd/inbox").path))
        let config = root.appendingPathComponent("etc/augmentd/augmentd.toml")
        #expect(try Data(contentsOf: config) == Data(contentsOf: TestPaths.repository.appendingPathComponent("etc/augmentd/augmentd.toml")))

        // Run again over an edited config: the operator's file is kept, the new example goes beside it.
        try "# mine\n".write(to: config, atomically: false, encoding: .utf8)
        let again = try Subprocess.run(TestPaths.repository.appendingPathComponent("scripts/install.sh"), [],
                                       environment: ["DESTDIR": root.path, "AUGMENTD_BIN": AugmentdBinary.url.path])
        #expect(again.status == 0)
        #expect(try String(contentsOf: config, encoding: .utf8) == "# mine\n")
        #expect(fm.fileExists(atPath: root.appendingPathComponent("etc/augmentd/augmentd.toml.example").path))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func theSystemdUnitVerifiesCleanly() throws {
        let dir = try TemporaryDirectory("unit")
        // `verify` checks that ExecStart's binary exists: point it at the one under test.
        let unit = try String(contentsOf: TestPaths.repository.appendingPathComponent("systemd/augmentd.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/augmentd run --config /etc/augmentd/augmentd.toml"))
        try unit.replacingOccurrences(of: "/usr/local/bin/augmentd", with: AugmentdBinary.url.path)
            .write(to: dir.file("augmentd.service"), atomically: false, encoding: .utf8)
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), ["verify", dir.file("augmentd.service").path])
        #expect(result.status == 0, "\(result.stderr)")
        // Unknown or misspelt directives are only warnings for systemd: none may appear.
        let complaints = result.stderr.split(separator: "\n").filter { $0.contains("augmentd.service") }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test func theProductionConfigIsValid() throws {
        let result = try AugmentdBinary.run(["check-config", "--skip-path-checks",
                                             TestPaths.repository.appendingPathComponent("etc/augmentd/augmentd.toml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("dataset_root = \"/srv/augmentd/dataset\""))
    }
}
