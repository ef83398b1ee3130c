import Codecs
import Foundation
import Testing
import TestSupport

/// `augmentd augment` and `augmentd preview`, the real binary, on folders of good and bad files.
struct AugmentCommandTests {
    static let config = """
        [profiles.test]
        variants = 3
        rotation_range = 15
        width_shift_range = 0.1
        horizontal_flip = true
        contrast_stretching = 0.5
        format = "png"
        """

    static func prepare() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory("augment-cli")
        try Data(config.utf8).write(to: dir.file("augmentd.toml"))
        let cats = dir.file("in/cats"), dogs = dir.file("in/dogs")
        try FileManager.default.createDirectory(at: cats, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dogs, withIntermediateDirectories: true)
        try Data(BadInputCorpus.validPNG()).write(to: cats.appendingPathComponent("tabby one.png"))
        try Data(BadInputCorpus.validJPEG()).write(to: dogs.appendingPathComponent("-rex.jpg"))
        try Data(BadInputCorpus.validJPEG()).write(to: dogs.appendingPathComponent("same-bytes.jpg"))
        try Data(Array("not an image".utf8)).write(to: dogs.appendingPathComponent("notes.jpg"))
        try Data(Array(BadInputCorpus.validPNG().prefix(100))).write(to: cats.appendingPathComponent("cut.png"))
        try Data().write(to: cats.appendingPathComponent(".hidden.png"))
        return dir
    }

    static func files(under url: URL) -> [String] {
        let walker = FileManager.default.enumerator(atPath: url.path)
        var out = [String]()
        while let p = walker?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(p).path, isDirectory: &isDir), !isDir.boolValue {
                out.append(p)
            }
        }
        return out.sorted()
    }

    @Test func writesTheDatasetLayoutAndReportsBadFiles() throws {
        let dir = try Self.prepare()
        let result = try AugmentdBinary.run(["augment", dir.file("in").path, "--config", dir.file("augmentd.toml").path,
                                             "--profile", "test", "--out", dir.file("dataset").path])
        #expect(result.status == 1, "a failed file makes the exit status 1")
        #expect(result.stderr.contains("notes.jpg: error: unsupported format: text"))
        #expect(result.stderr.contains("cut.png: error: truncated PNG"))
        #expect(result.stderr.contains("same-bytes.jpg: duplicate of") || result.stderr.contains("-rex.jpg: duplicate of"))
        #expect(result.stderr.contains("augmented 2 files (6 variants)"))
        let tree = Self.files(under: dir.file("dataset"))
        let pngHash = String(DigestHex.of(BadInputCorpus.validPNG()).prefix(8))
        let jpegHash = String(DigestHex.of(BadInputCorpus.validJPEG()).prefix(8))
        let jpegStem = tree.contains { $0.hasPrefix("train/dogs/-rex-") } ? "-rex" : "same-bytes"
        #expect(tree == [
            "train/cats/tabby one-\(pngHash)-aug1.png", "train/cats/tabby one-\(pngHash)-aug2.png",
            "train/cats/tabby one-\(pngHash)-aug3.png", "train/cats/tabby one-\(pngHash).png",
            "train/dogs/\(jpegStem)-\(jpegHash)-aug1.png", "train/dogs/\(jpegStem)-\(jpegHash)-aug2.png",
            "train/dogs/\(jpegStem)-\(jpegHash)-aug3.png", "train/dogs/\(jpegStem)-\(jpegHash).jpg",
        ].sorted())
        // Originals are copied byte for byte; the inputs stay where they were.
        let copied = try Data(contentsOf: dir.file("dataset/train/cats/tabby one-\(pngHash).png"))
        #expect(Array(copied) == BadInputCorpus.validPNG())
        #expect(FileManager.default.fileExists(atPath: dir.file("in/cats/tabby one.png").path))
        let variant = try ImageDecoder().decode(Array(Data(contentsOf: dir.file("dataset/train/cats/tabby one-\(pngHash)-aug1.png"))))
        #expect(variant.image.width == 64 && variant.image.height == 48)
    }

    /// Entries of an input folder that cannot be augmented are each reported with the reason,
    /// never skipped in silence: a name that is not UTF-8 (which Foundation's listings drop), a
    /// symlink, a FIFO. The rest is augmented; the exit status is 1.
    @Test func oddEntriesInAFolderAreReportedNotSkipped() throws {
        let dir = try TemporaryDirectory("augment-odd-entries")
        try Data(Self.config.utf8).write(to: dir.file("augmentd.toml"))
        let cats = dir.file("in/cats")
        try FileManager.default.createDirectory(at: cats, withIntermediateDirectories: true)
        try Data(BadInputCorpus.validPNG()).write(to: cats.appendingPathComponent("good.png"))
        // "caf\xE9.png": Latin-1, not UTF-8.
        let rawName = Array(cats.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".png".utf8) + [0]
        let fd = rawName.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        #expect(fd >= 0)
        let bytes = BadInputCorpus.validJPEG()
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try FileManager.default.createSymbolicLink(atPath: cats.appendingPathComponent("link.png").path, withDestinationPath: "good.png")
        #expect(mkfifo(cats.appendingPathComponent("pipe.png").path, 0o644) == 0)
        let result = try AugmentdBinary.run(["augment", dir.file("in").path, "--config", dir.file("augmentd.toml").path,
                                             "--profile", "test", "--out", dir.file("dataset").path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("/cats/caf") && result.stderr.contains("xE9.png: error: the file name is not valid UTF-8"),
                "\(result.stderr)")
        #expect(result.stderr.contains("link.png: error: not a regular file: symbolic link"), "\(result.stderr)")
        #expect(result.stderr.contains("pipe.png: error: not a regular file: FIFO"), "\(result.stderr)")
        #expect(result.stderr.contains("augmented 1 file") && result.stderr.contains("3 failed"), "\(result.stderr)")
        #expect(Self.files(under: dir.file("dataset")).count == 4)
    }

    @Test func outputDoesNotDependOnTheWorkerCount() throws {
        let dir = try Self.prepare()
        for workers in ["1", "2"] {
            _ = try AugmentdBinary.run(["augment", dir.file("in/cats").path, dir.file("in/dogs/-rex.jpg").path,
                                        "--config", dir.file("augmentd.toml").path, "--profile", "test",
                                        "--workers", workers, "--label", "pets", "--out", dir.file("out\(workers)").path])
        }
        let one = Self.files(under: dir.file("out1")), two = Self.files(under: dir.file("out2"))
        #expect(one == two && one.count == 8)
        for name in one {
            #expect(try Data(contentsOf: dir.file("out1/\(name)")) == Data(contentsOf: dir.file("out2/\(name)")), "\(name)")
        }
    }

    @Test func valFractionOneSendsEverythingToValUnaugmented() throws {
        let dir = try Self.prepare()
        _ = try AugmentdBinary.run(["augment", dir.file("in/cats/tabby one.png").path, "--config", dir.file("augmentd.toml").path,
                                    "--profile", "test", "--val-fraction", "1", "--out", dir.file("dataset").path])
        let tree = Self.files(under: dir.file("dataset"))
        #expect(tree.count == 1 && tree[0].hasPrefix("val/cats/tabby one-"))
    }

    @Test func unknownProfileAndBadConfigAreNamed() throws {
        let dir = try Self.prepare()
        let missing = try AugmentdBinary.run(["augment", dir.file("in").path, "--config", dir.file("augmentd.toml").path,
                                              "--profile", "nope", "--out", dir.file("d").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no profile \"nope\" (defined: test)"))
        try Data("[profiles.test]\nrotation_range = \"lots\"\n".utf8).write(to: dir.file("bad.toml"))
        let bad = try AugmentdBinary.run(["augment", dir.file("in").path, "--config", dir.file("bad.toml").path,
                                          "--profile", "test", "--out", dir.file("d").path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.toml: profiles.test.rotation_range: must be a number"))
    }

    @Test func previewWritesAContactSheet() throws {
        let dir = try Self.prepare()
        let result = try AugmentdBinary.run(["preview", dir.file("in/cats/tabby one.png").path, "--config",
                                             dir.file("augmentd.toml").path, "--profile", "test", "--count", "5",
                                             "--out", dir.file("sheet.png").path])
        #expect(result.status == 0, "\(result.stderr)")
        let sheet = try ImageDecoder().decode(Array(Data(contentsOf: dir.file("sheet.png")))).image
        // 6 tiles in rows of 4: 2 rows of 256-pixel cells with 4-pixel gaps.
        #expect(sheet.width == 4 * 256 + 5 * 4 && sheet.height == 2 * 256 + 3 * 4)
    }
}
