import Codecs
import Foundation
import Hashing
import LinuxSystem
import Testing
import TestSupport

/// libpng decodes the shared reference inputs to exactly the pixels Pillow reads from them.
struct ReferenceInputTests {
    @Test(arguments: referencePixelDigests.keys.sorted())
    func decodesReferenceInputLikePillow(_ name: String) throws {
        let expected = try #require(referencePixelDigests[name])
        let bytes = try RegularFile.read(TestPaths.referenceInputs.appendingPathComponent(name).path)
        let (image, _) = try ImageDecoder().decode(bytes)
        #expect(image.width == expected.width)
        #expect(image.height == expected.height)
        #expect(image.channels == expected.channels)
        #expect(SHA256Digest.of(image.pixels).hex == expected.sha256)
    }

    @Test func everyReferenceInputHasADigest() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestPaths.referenceInputs.path)
            .filter { $0.hasSuffix(".png") }
        #expect(!names.isEmpty)
        #expect(Set(names) == Set(referencePixelDigests.keys))
    }
}
