import Codecs
import Foundation
import Testing
import TestSupport

/// `augmentd run`, the real binary on temporary folders: files arriving every way a user drops
/// them, bad files explained in .failed, special files left alone, SIGTERM, and kill -9.
@Suite(.serialized)
struct DaemonTests {
    /// The test configuration: one inbox (`inbox`, label folders below it), a small PNG profile,
    /// and `extra` TOML (more watches, `[retrain]`) appended.
    static func configText(variants: Int = 2, valFraction: Double = 0, metrics: Bool = false, extra: String = "") -> String {
        """
        [daemon]
        dataset_root = "dataset"
        state_dir = "state"
        workers = 2
        metrics_file = "\(metrics ? "metrics.prom" : "")"
        [profiles.test]
        variants = \(variants)
        rotation_range = 15
        horizontal_flip = true
        contrast_stretching = 0.5
        format = "png"
        png_compression = 1
        [[watch]]
        inbox = "inbox"
        profile = "test"
        val_fraction = \(valFraction)

        """ + extra
    }

    /// Writes `configText(…)` to `augmentd.toml` in `dir` and creates the inbox.
    static func config(_ dir: TemporaryDirectory, variants: Int = 2, valFraction: Double = 0, metrics: Bool = false,
                       extra: String = "") throws -> URL {
        try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
        let url = dir.file("augmentd.toml")
        try configText(variants: variants, valFraction: valFraction, metrics: metrics, extra: extra)
            .write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    /// A distinct small PNG for each seed.
    static func png(_ seed: UInt64) -> [UInt8] {
        var random = SplitMix64(state: seed)
        let pixels = (0..<(40 * 30 * 3)).map { _ in UInt8(random.next(below: 256)) }
        return try! ImageEncoder.encode(Image(width: 40, height: 30, channels: 3, pixels: pixels), as: .png(level: 1))
    }

    /// Regular, non-hidden files left in the inbox (outside .failed).
    static func waiting(_ inbox: URL) -> [String] {
        guard let tree = readableTree(inbox) else { return ["(the inbox cannot be listed)"] }
        return tree.keys.filter { !$0.hasPrefix(".failed/") && !$0.hasPrefix(".") }.sorted()
    }

    @Test func growsTheDatasetFromEveryKindOfArrival() throws {
        let dir = try TemporaryDirectory("daemon")
        let config = try Self.config(dir)
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("cats"), withIntermediateDirectories: true)
        try Data(Self.png(1)).write(to: inbox.appendingPathComponent("cats/before start.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })

        // Copied in (written and closed).
        try Data(Self.png(2)).write(to: inbox.appendingPathComponent("cats/copied.png"))
        // Moved in.
        try Data(Self.png(3)).write(to: dir.file("outside.png"))
        try FileManager.default.moveItem(at: dir.file("outside.png"), to: inbox.appendingPathComponent("cats/moved.png"))
        // Written slowly in chunks: taken once, after it is complete.
        let slow = inbox.appendingPathComponent("cats/slow.png")
        let bytes = Self.png(4)
        _ = FileManager.default.createFile(atPath: slow.path, contents: Data(bytes[0..<bytes.count / 2]))
        let handle = try FileHandle(forWritingTo: slow)
        handle.seekToEndOfFile()
        Thread.sleep(forTimeInterval: 0.3)
        handle.write(Data(bytes[(bytes.count / 2)...]))
        try handle.close()
        // Hard-linked in.
        try Data(Self.png(5)).write(to: dir.file("link-source.png"))
        #expect(link(dir.file("link-source.png").path, inbox.appendingPathComponent("cats/linked.png").path) == 0)
        // A label folder made outside with files inside, moved in.
        try FileManager.default.createDirectory(at: dir.file("dogs"), withIntermediateDirectories: true)
        try Data(Self.png(6)).write(to: dir.file("dogs/rex one.png"))
        try Data(Self.png(7)).write(to: dir.file("dogs/-dash 'quoted'.png"))
        try FileManager.default.moveItem(at: dir.file("dogs"), to: inbox.appendingPathComponent("dogs"))
        // A duplicate of an earlier file under the same label.
        try Data(Self.png(2)).write(to: inbox.appendingPathComponent("cats/copy of copied.png"))
        // Bad files: text, an old truncated PNG, a bomb; and things that must be left alone.
        try Data("not an image".utf8).write(to: inbox.appendingPathComponent("cats/notes.jpg"))
        let truncated = dir.file("cut.png")
        try Data(Self.png(8).prefix(200)).write(to: truncated)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: truncated.path)
        try FileManager.default.moveItem(at: truncated, to: inbox.appendingPathComponent("cats/cut.png"))
        let bomb = try #require(BadInputCorpus.entries.first { $0.name.hasPrefix("bomb-100000") })
        try Data(bomb.bytes).write(to: inbox.appendingPathComponent("cats/bomb.png"))
        try Data(Self.png(9)).write(to: dir.file("target.png"))
        try FileManager.default.createSymbolicLink(at: inbox.appendingPathComponent("cats/link.png"), withDestinationURL: dir.file("target.png"))
        #expect(mkfifo(inbox.appendingPathComponent("cats/pipe.png").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("cats/folder.png"), withIntermediateDirectories: true)

        // Every regular file is taken (the symlink, FIFO and folder are not regular files).
        #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox))\n\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let dataset = treeContents(dir.file("dataset"))
        let originals = dataset.keys.filter { !$0.contains("-aug") }.sorted()
        #expect(originals.count == 7, "\(originals)")
        #expect(dataset.keys.filter { $0.contains("-aug") }.count == 14)
        for (seed, name) in [(1, "cats/before start"), (2, "cats/copied"), (3, "cats/moved"), (4, "cats/slow"),
                             (5, "cats/linked"), (6, "dogs/rex one"), (7, "dogs/-dash 'quoted'")] {
            let h8 = String(DigestHex.of(Self.png(UInt64(seed))).prefix(8))
            #expect(dataset["train/\(name)-\(h8).png"] == Data(Self.png(UInt64(seed))), "\(name)")
            #expect(dataset["train/\(name)-\(h8)-aug1.png"] != nil && dataset["train/\(name)-\(h8)-aug2.png"] != nil)
        }
        #expect(!dataset.keys.contains { $0.split(separator: "/").last!.hasPrefix(".") }, "temp files left")
        let failed = treeContents(inbox.appendingPathComponent(".failed"))
        for name in ["notes.jpg", "cut.png", "bomb.png"] {
            #expect(failed["cats/\(name)"] != nil, "\(name) not in .failed")
        }
        #expect(String(decoding: failed["cats/notes.jpg.error.txt"] ?? Data(), as: UTF8.self).contains("reason: unsupported format: text"))
        #expect(String(decoding: failed["cats/cut.png.error.txt"] ?? Data(), as: UTF8.self).contains("reason: truncated PNG"))
        #expect(String(decoding: failed["cats/bomb.png.error.txt"] ?? Data(), as: UTF8.self).contains("reason: image too large"))
        // Left alone: the symlink, the FIFO and the folder.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: inbox.appendingPathComponent("cats/link.png").path)) != nil)
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("cats/pipe.png").path))
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("cats/folder.png").path))
        #expect(daemon.log.contains("duplicate"))
        // `augmentd status --json` reads the same story from the ledger and the inbox.
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        #expect(status.status == 0, "\(status.stderr)")
        struct Row: Decodable { let label: String; let originals: Int; let variants: Int; let failed: Int; let duplicates: Int; let refused: Int }
        struct Report: Decodable { let labels: [Row] }
        let rows = try JSONDecoder().decode(Report.self, from: Data(status.stdout.utf8)).labels
        let cats = try #require(rows.first { $0.label == "cats" })
        let dogs = try #require(rows.first { $0.label == "dogs" })
        #expect(cats.originals == 5 && cats.variants == 10 && cats.failed == 3 && cats.duplicates == 1)
        #expect(cats.refused == 3)   // the symlink, the FIFO and the folder, each once
        #expect(dogs.originals == 2 && dogs.variants == 4)
        #expect(daemon.log.contains("refused \(inbox.path)/cats/pipe.png: not a regular file: FIFO"))
        #expect(daemon.log.contains("refused \(inbox.path)/cats/folder.png: not a regular file: directory"))
        #expect(daemon.log.components(separatedBy: "refused \(inbox.path)/cats/link.png").count == 2, "logged once")
    }

    @Test func killNineDuringABurstThenRestartEndsAsIfNothingHappened() throws {
        let count = 40
        func run(interrupt: Bool) throws -> [String: Data] {
            let dir = try TemporaryDirectory("daemon-kill")
            let config = try Self.config(dir, variants: 3, valFraction: 0.2)
            let inbox = dir.file("inbox")
            try FileManager.default.createDirectory(at: inbox.appendingPathComponent("things"), withIntermediateDirectories: true)
            var daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
            #expect(eventually { daemon.log.contains("watching 1 inbox") })
            for i in 0..<count {
                try Data(Self.png(UInt64(100 + i))).write(to: inbox.appendingPathComponent("things/img\(i).png"))
            }
            if interrupt {
                #expect(eventually { daemon.log.components(separatedBy: "added ").count > 5 })
                daemon.stop(SIGKILL)
                daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
            }
            #expect(eventually { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox))")
            #expect(daemon.stop(SIGTERM) == 0)
            return treeContents(dir.file("dataset"))
        }
        let clean = try run(interrupt: false)
        let interrupted = try run(interrupt: true)
        #expect(clean.keys.filter { !$0.contains("-aug") }.count == count)
        #expect(Set(clean.keys) == Set(interrupted.keys), "differs: \(Set(clean.keys).symmetricDifference(interrupted.keys))")
        for (name, bytes) in clean { #expect(interrupted[name] == bytes, "\(name) differs") }
    }

    @Test func aThousandFilesDroppedAtOnceAreAllTakenOnce() throws {
        let dir = try TemporaryDirectory("daemon-storm")
        let config = try Self.config(dir, variants: 1)
        let inbox = dir.file("inbox")
        let staging = dir.file("staging/crowd")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let count = 1000
        for i in 0..<count { try Data(Self.png(UInt64(10_000 + i))).write(to: staging.appendingPathComponent("f\(i).png")) }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        // One rename brings all 1,000 in at once (a label folder moved into the inbox).
        try FileManager.default.moveItem(at: staging, to: inbox.appendingPathComponent("crowd"))
        #expect(eventually(within: 300) { Self.waiting(inbox).isEmpty }, "still waiting: \(Self.waiting(inbox).count)")
        #expect(daemon.stop(SIGTERM) == 0)
        let dataset = treeContents(dir.file("dataset"))
        #expect(dataset.keys.filter { !$0.contains("-aug") }.count == count)
        #expect(dataset.keys.filter { $0.contains("-aug1.") }.count == count)
        #expect(dataset.count == 2 * count)
        #expect(daemon.log.components(separatedBy: "\nadded ").count - 1 + (daemon.log.hasPrefix("added ") ? 1 : 0) == count)
    }
}
