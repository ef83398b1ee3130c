import Codecs
import Foundation
import Testing
import TestSupport

/// `augmentd inspect`, the real binary, on good and bad files alike.
struct InspectCommandTests {
    @Test func describesReadableFilesAndExitsZero() throws {
        let dir = try TemporaryDirectory()
        try Data(BadInputCorpus.validPNG()).write(to: dir.file("good.png"))
        try Data(BadInputCorpus.validJPEG(progressive: true)).write(to: dir.file("named-wrongly.png"))
        let result = try AugmentdBinary.run(["inspect", dir.file("good.png").path, dir.file("named-wrongly.png").path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == "\(dir.file("good.png").path): PNG 64x48, 3 channels (RGB), orientation 1 (upright)")
        #expect(lines[1].hasSuffix("named-wrongly.png: JPEG 64x48, 3 channels (YCbCr, progressive), orientation 1 (upright)"))
    }

    @Test func explainsEveryBadFileAndExitsOne() throws {
        let dir = try TemporaryDirectory()
        let corpus = BadInputCorpus.entries
        for entry in corpus { try Data(entry.bytes).write(to: dir.file(entry.name)) }
        let result = try AugmentdBinary.run(["inspect"] + corpus.map { dir.file($0.name).path })
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == corpus.count)
        for (entry, line) in zip(corpus, lines) {
            #expect(line.hasPrefix("\(dir.file(entry.name).path): error: "), "\(line)")
            let expectedText: String = switch entry.expected {
            case .empty: "empty file"
            case .unsupported(let name): "unsupported format: \(name)"
            case .truncated(let format): "truncated \(format.displayName): "
            case .corrupt(let format, let text): "corrupt \(format.displayName): \(text ?? "")"
            case .unsupportedFeature(let format, _): "unsupported \(format.displayName): "
            case .tooLarge: "image too large: "
            }
            #expect(line.contains(expectedText), "\(line) should say \(expectedText)")
        }
    }

    @Test func refusesWhatIsNotARegularFileWithoutOpeningIt() throws {
        let dir = try TemporaryDirectory()
        let target = dir.file("real.png")
        try Data(BadInputCorpus.validPNG()).write(to: target)
        try FileManager.default.createSymbolicLink(at: dir.file("link.png"), withDestinationURL: target)
        #expect(mkfifo(dir.file("pipe.png").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: dir.file("folder.jpg"), withIntermediateDirectories: false)
        // A FIFO with no writer would block a plain open(2) forever; inspect must return.
        let result = try AugmentdBinary.run(["inspect", dir.file("link.png").path, dir.file("pipe.png").path,
                                             dir.file("folder.jpg").path, dir.file("missing.png").path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(dir.file("link.png").path): error: not a regular file: symbolic link",
            "\(dir.file("pipe.png").path): error: not a regular file: FIFO",
            "\(dir.file("folder.jpg").path): error: not a regular file: directory",
            "\(dir.file("missing.png").path): error: No such file or directory (lstat, errno 2)",
        ])
    }

    @Test func maxPixelsOptionRefusesLargerImages() throws {
        let dir = try TemporaryDirectory()
        try Data(BadInputCorpus.validPNG()).write(to: dir.file("a.png"))
        let result = try AugmentdBinary.run(["inspect", "--max-pixels", "1000", dir.file("a.png").path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("image too large: 64x48 is 3072 pixels, the limit (max_pixels) is 1000"))
    }

    @Test func versionAndHelp() throws {
        let version = try AugmentdBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let help = try AugmentdBinary.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("inspect"))
    }
}
