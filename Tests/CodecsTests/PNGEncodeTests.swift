import Codecs
import Testing
import TestSupport

struct PNGEncodeTests {
    /// Our encoder's output, read back by libpng, is the same pixels at every level and channel count.
    @Test(arguments: [1, 2, 3, 4], [0, 1, 6, 9])
    func roundTripIsLossless(channels: Int, level: Int) throws {
        var random = SplitMix64(state: UInt64(channels * 100 + level))
        let pixels = (0..<(37 * 23 * channels)).map { i in UInt8((i * 7 + random.next(below: 40)) & 0xFF) }
        let image = Image(width: 37, height: 23, channels: channels, pixels: pixels)
        let bytes = try ImageEncoder.encode(image, as: .png(level: level))
        let (decoded, info) = try ImageDecoder().decode(bytes)
        // Grey+alpha comes back as RGBA: the decoder produces grey, RGB or RGBA only.
        if channels == 2 {
            #expect(decoded.channels == 4)
            let expanded = stride(from: 0, to: pixels.count, by: 2).flatMap { i in
                [pixels[i], pixels[i], pixels[i], pixels[i + 1]]
            }
            #expect(decoded.pixels == expanded)
        } else {
            #expect(decoded == image)
        }
        #expect(info.bitDepth == 8)
    }

    @Test func higherLevelsCompressSmoothContentBetter() throws {
        let image = JPEGTests.smoothImage(width: 200, height: 150, channels: 3)
        let stored = try ImageEncoder.encode(image, as: .png(level: 0))
        let best = try ImageEncoder.encode(image, as: .png(level: 9))
        #expect(best.count < stored.count)
    }

    @Test(arguments: [-1, 10])
    func levelOutOfRangeIsRefused(_ level: Int) {
        #expect(throws: CodecError.self) {
            try ImageEncoder.encode(Image(width: 4, height: 4, channels: 3), as: .png(level: level))
        }
    }

    @Test func emptyImageIsRefused() {
        #expect(throws: CodecError.self) {
            try ImageEncoder.encode(Image(width: 0, height: 0, channels: 3), as: .png())
        }
        #expect(throws: CodecError.self) {
            try ImageEncoder.encode(Image(width: 0, height: 5, channels: 3), as: .jpeg())
        }
    }
}
