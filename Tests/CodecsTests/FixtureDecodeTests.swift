import Codecs
import Foundation
import Hashing
import LinuxSystem
import Testing
import TestSupport

/// libwebp and libtiff, behind augmentd's codec boundary, decode files written by Pillow (and
/// libtiff's tiffcp) to the pixels Pillow reads from them: upright (EXIF orientation applied),
/// 16-bit samples rounded to 8 bits. See scripts/codec-fixtures.py.
struct FixtureDecodeTests {
    static let folder = TestPaths.repository.appendingPathComponent("Tests/CodecsTests/Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        try RegularFile.read(folder.appendingPathComponent(name).path)
    }

    @Test(arguments: fixturePixelDigests.keys.sorted())
    func decodesLikePillow(_ name: String) throws {
        let expected = try #require(fixturePixelDigests[name])
        let (image, info) = try ImageDecoder().decode(Self.bytes(name))
        #expect(info.format == (name.hasSuffix(".webp") ? .webp : .tiff))
        #expect(image.width == expected.width && image.height == expected.height, "\(image.width)x\(image.height)")
        #expect(image.channels == expected.channels)
        #expect(SHA256Digest.of(image.pixels).hex == expected.sha256)
    }

    @Test func everyFixtureHasADigestOrIsRefused() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        #expect(Set(names) == Set(fixturePixelDigests.keys).union(["animated.webp"]))
    }

    @Test func webpKindsAreDescribed() throws {
        let decoder = ImageDecoder()
        let lossy = try decoder.probe(Self.bytes("lossy.webp"))
        #expect(!lossy.isLossless && lossy.colorModel == "RGB, lossy" && lossy.channels == 3)
        let lossless = try decoder.probe(Self.bytes("alpha-lossless.webp"))
        #expect(lossless.isLossless && lossless.colorModel == "RGBA, lossless" && lossless.channels == 4)
        let rotated = try decoder.probe(Self.bytes("rotated.webp"))
        #expect(rotated.orientation == .right && rotated.storedWidth == 30 && rotated.width == 20)
    }

    @Test func animatedWebPIsRefusedWithTheReason() throws {
        #expect {
            try ImageDecoder().decode(Self.bytes("animated.webp"))
        } throws: { error in
            guard case CodecError.unsupportedFeature(.webp, let reason) = error else { return false }
            return reason.contains("animated WebP (2 frames)")
        }
    }

    /// Variants of a WebP original in the same format: lossy stays lossy at the profile's quality,
    /// lossless stays lossless (the pixels come back exactly).
    @Test func webpRoundTrips() throws {
        let (image, _) = try ImageDecoder().decode(Self.bytes("alpha-lossless.webp"))
        let lossless = try ImageEncoder.encode(image, as: .webp(quality: 90, lossless: true))
        let (back, info) = try ImageDecoder().decode(lossless)
        #expect(back == image && info.isLossless)
        let grey = Image(width: 9, height: 7, channels: 1, pixels: (0..<63).map { UInt8($0 * 4) })
        let (greyBack, greyInfo) = try ImageDecoder().decode(ImageEncoder.encode(grey, as: .webp(lossless: true)))
        #expect(greyInfo.channels == 3 && greyBack.pixels == grey.pixels.flatMap { [$0, $0, $0] })
        let lossy = try ImageEncoder.encode(image, as: .webp(quality: 80, lossless: false))
        #expect(try !ImageDecoder().probe(lossy).isLossless)
    }

    /// The tests' own TIFF writer against libtiff: the pixels come back exactly, for grey, RGB
    /// and RGBA, and a multi-page file reports its pages (the first is decoded).
    @Test(arguments: [1, 3, 4])
    func independentTIFFWriterRoundTrips(channels: Int) throws {
        var random = SplitMix64(state: UInt64(channels))
        let image = Image(width: 13, height: 7, channels: channels, pixels: (0..<(13 * 7 * channels)).map { _ in UInt8(random.next(below: 256)) })
        let (decoded, info) = try ImageDecoder().decode(TestTIFF.encoded(image))
        #expect(decoded == image)
        #expect(info.format == .tiff && info.pages == 1)
        let pages = try ImageDecoder().probe(Self.bytes("two-pages.tif"))
        #expect(pages.pages == 2)
    }
}
