import Codecs
import Foundation
import LinuxSystem
import Testing
import TestSupport

/// Every file the fuzzer ever found troublesome (Fuzz/crashers) and every seed (Fuzz/seeds)
/// goes through the decoder and comes back as an image or a CodecError, never a crash.
struct FuzzRegressionTests {
    static func files(_ folder: String) -> [String] {
        let dir = TestPaths.repository.appendingPathComponent("Fuzz/\(folder)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func seedsAndCrashersDecodeOrFailCleanly() throws {
        let paths = Self.files("seeds") + Self.files("crashers")
        #expect(paths.count >= BadInputCorpus.entries.count)
        for path in paths {
            let bytes = try RegularFile.read(path)
            do {
                let (image, _) = try ImageDecoder().decode(bytes)
                #expect(image.pixels.count == image.width * image.height * image.channels)
            } catch {
                #expect(!error.description.isEmpty, "\(path)")
            }
        }
    }

    /// The fuzzer starts from every file of the bad-input corpus (and valid files of each format).
    /// `AUGMENTD_UPDATE_SEEDS=1 swift test --filter FuzzRegression` writes missing or stale ones.
    @Test func theSeedCorpusHoldsEveryBadInput() throws {
        let dir = TestPaths.repository.appendingPathComponent("Fuzz/seeds")
        let update = ProcessInfo.processInfo.environment["AUGMENTD_UPDATE_SEEDS"] == "1"
        let valid: [(String, [UInt8])] = [("valid.png", BadInputCorpus.validPNG()), ("valid.jpg", BadInputCorpus.validJPEG()),
                                          ("valid-lossy.webp", BadInputCorpus.validWebP()),
                                          ("valid-lossless.webp", BadInputCorpus.validWebP(lossless: true)),
                                          ("valid.tif", BadInputCorpus.validTIFF())]
        for (name, bytes) in BadInputCorpus.entries.map({ ($0.name, $0.bytes) }) + valid {
            let path = dir.appendingPathComponent(name).path
            if update, (try? RegularFile.read(path)) != bytes { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
            #expect((try? RegularFile.read(path)) == bytes,
                    "Fuzz/seeds/\(name) is missing or stale: AUGMENTD_UPDATE_SEEDS=1 swift test --filter FuzzRegression")
        }
    }
}
