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
}
