import Foundation
import Testing
import TestSupport

/// The ledger names dataset files by their place below `dataset_root`, so the dataset can be
/// mounted elsewhere (another host, a moved disk) and every record still finds its file.
struct DatasetKeysTests {
    @Test func aDatasetMountedElsewhereIsStillKnownFileByFile() throws {
        let dir = try TemporaryDirectory("dataset-keys")
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let config = dir.file("augmentd.toml")
        func writeConfig(root: String) throws {
            try DaemonTests.configText(variants: 1, extra: "[balance]\ntarget = 6\n")
                .replacingOccurrences(of: "dataset_root = \"dataset\"", with: "dataset_root = \"\(root)\"")
                .write(to: config, atomically: true, encoding: .utf8)
        }
        try writeConfig(root: dir.file("mnt-a/dataset").path)
        for seed in [71, 72] as [UInt64] { try Data(DaemonTests.png(seed)).write(to: dir.file("inbox/cats/f\(seed).png")) }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { DaemonTests.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        // The ledger holds keys, not this host's paths.
        let keys = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print("\\n".join(r[0] for r in db.execute("SELECT original_path FROM originals UNION ALL SELECT path FROM variants")))
            """, dir.file("state/ledger.sqlite").path], currentDirectory: dir.url)
        let paths = keys.stdout.split(separator: "\n").map(String.init)
        #expect(paths.count == 4 && paths.allSatisfy { $0.hasPrefix("train/cats/") }, "\(keys.stdout)\(keys.stderr)")

        // Mounted at another path: balancing reads each original through its key and writes beside it.
        try FileManager.default.moveItem(at: dir.file("mnt-a"), to: dir.file("mnt-b"))
        try writeConfig(root: dir.file("mnt-b/dataset").path)
        let balance = try AugmentdBinary.run(["balance", "--config", config.path], currentDirectory: dir.url)
        #expect(balance.status == 0 && balance.stdout.contains("added 2 variants"), "\(balance.stdout)\(balance.stderr)")
        #expect(treeContents(dir.file("mnt-b/dataset/train/cats")).count == 6, "\(treeContents(dir.file("mnt-b/dataset")).keys)")
        // And the same bytes again are a duplicate of the file at its new place.
        let again = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        try Data(DaemonTests.png(71)).write(to: dir.file("inbox/cats/again.png"))
        #expect(eventually { again.log.contains("duplicate") }, "\(again.log)")
        #expect(again.stop(SIGTERM) == 0)
        #expect(again.log.contains(dir.file("mnt-b/dataset/train/cats").path), "\(again.log)")
    }
}
