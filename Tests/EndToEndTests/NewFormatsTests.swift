import Codecs
import Foundation
import Testing
import TestSupport

/// WebP and TIFF files through the real daemon and `augment`: originals kept byte for byte,
/// variants under `format = "same"` written as WebP (lossless for a lossless source) and, for
/// TIFF, as PNG; a multi-page TIFF named in the log.
struct NewFormatsTests {
    static let fixtures = TestPaths.repository.appendingPathComponent("Tests/CodecsTests/Fixtures")

    static func config(_ dir: TemporaryDirectory) throws -> URL {
        try FileManager.default.createDirectory(at: dir.file("inbox/scans"), withIntermediateDirectories: true)
        let url = dir.file("augmentd.toml")
        try """
            [daemon]
            dataset_root = "dataset"
            state_dir = "state"
            workers = 2
            [profiles.same]
            variants = 2
            rotation_range = 10
            format = "same"
            jpeg_quality = 85
            [[watch]]
            inbox = "inbox"
            profile = "same"
            val_fraction = 0
            """.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    static let files = ["lossy.webp", "alpha-lossless.webp", "rotated.webp", "rgb-lzw.tif", "grey16-deflate.tif", "two-pages.tif"]

    /// The dataset's files for one dropped fixture: (original, [variants]).
    static func entries(_ tree: [String: Data], _ name: String) -> (original: String?, variants: [String]) {
        let stem = (name as NSString).deletingPathExtension
        let mine = tree.keys.filter { ($0 as NSString).lastPathComponent.hasPrefix(stem + "-") }.sorted()
        return (mine.first { !$0.contains("-aug") }, mine.filter { $0.contains("-aug") })
    }

    @Test func theDaemonAddsWebPAndTIFFFiles() throws {
        let dir = try TemporaryDirectory("new-formats")
        let config = try Self.config(dir)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        for name in Self.files {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: dir.file("inbox/scans/\(name)"))
        }
        #expect(eventually { daemon.log.components(separatedBy: "\nadded ").count + (daemon.log.hasPrefix("added ") ? 1 : 0) >= 1
            && DaemonTests.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.contains("two-pages.tif") && daemon.log.contains("a TIFF of 2 pages: variants of the first"), "\(daemon.log)")

        let tree = treeContents(dir.file("dataset"))
        let decoder = ImageDecoder()
        for name in Self.files {
            let (original, variants) = Self.entries(tree, name)
            let source = try Data(contentsOf: Self.fixtures.appendingPathComponent(name))
            let originalPath = try #require(original, "\(name) not in the dataset: \(tree.keys.sorted())")
            #expect(tree[originalPath] == source, "\(name): the original is not byte for byte")
            #expect(originalPath.hasPrefix("train/scans/") && originalPath.hasSuffix(name.hasSuffix(".webp") ? ".webp" : ".tif"))
            try #require(variants.count == 2, "\(name): \(variants)")
            let sourceInfo = try decoder.probe(Array(source))
            let (upright, _) = try decoder.decode(Array(source))
            for variant in variants {
                let bytes = try #require(tree[variant])
                let (image, info) = try decoder.decode(Array(bytes))
                #expect(image.width == upright.width && image.height == upright.height, "\(variant)")
                if name.hasSuffix(".tif") {
                    #expect(info.format == .png && variant.hasSuffix(".png"), "\(variant)")
                } else {
                    #expect(info.format == .webp && variant.hasSuffix(".webp"), "\(variant)")
                    #expect(info.isLossless == sourceInfo.isLossless, "\(variant): lossless \(info.isLossless)")
                    #expect(info.channels == sourceInfo.channels, "\(variant)")
                }
            }
        }
    }

    @Test func augmentTakesThemToo() throws {
        let dir = try TemporaryDirectory("new-formats-augment")
        let config = try Self.config(dir)
        let inputs = try Self.files.map { name in
            let url = dir.file("in/scans/\(name)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: url)
            return url.path
        }
        let result = try AugmentdBinary.run(["augment"] + inputs + ["--config", config.path, "--profile", "same",
                                                                    "--out", dir.file("out").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("two-pages.tif: a TIFF of 2 pages"), "\(result.stderr)")
        let tree = treeContents(dir.file("out"))
        for name in Self.files {
            let (original, variants) = Self.entries(tree, name)
            #expect(original != nil && variants.count == 2, "\(name): \(tree.keys.sorted())")
        }
    }

    @Test func inspectDescribesThem() throws {
        let names = ["lossy.webp", "alpha-lossless.webp", "two-pages.tif", "grey16-deflate.tif", "rotated.tif"]
        let result = try AugmentdBinary.run(["inspect"] + names.map { Self.fixtures.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == names.count, "\(lines)")
        #expect(lines[0].hasSuffix("lossy.webp: WebP 40x30, 3 channels (RGB, lossy), orientation 1 (upright)"), "\(lines[0])")
        #expect(lines[1].hasSuffix("alpha-lossless.webp: WebP 17x19, 4 channels (RGBA, lossless), orientation 1 (upright)"), "\(lines[1])")
        #expect(lines[2].hasSuffix("two-pages.tif: TIFF 20x12, 3 channels (RGB), orientation 1 (upright), 2 pages (the first is augmented)"),
                "\(lines[2])")
        #expect(lines[3].hasSuffix("grey16-deflate.tif: TIFF 25x15, 1 channel (grey, 16-bit), orientation 1 (upright)"), "\(lines[3])")
        #expect(lines[4].contains("rotated.tif: TIFF 23x37") && lines[4].contains("stored as 37x23"), "\(lines[4])")
    }
}
