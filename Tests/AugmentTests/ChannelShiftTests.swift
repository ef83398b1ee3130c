import Augment
import Codecs
import Imaging
import Testing

/// Channel shift without resampling clips every value to the range of the whole image (Keras's
/// `apply_channel_shift`), however the image's extremes are placed: the one-pass kernel maps
/// blocks of rows before it has seen the whole image, and must end with the bytes of two passes.
@Suite(.serialized)
struct ChannelShiftTests {
    /// Rows that brighten downwards, the darkest and brightest values in one late row that no
    /// sample of every 16th row sees, and a plain noise image.
    static func images(channels: Int) -> [Image] {
        let (width, height) = (300, 100)
        var late = Image(width: width, height: height, channels: channels, pixels: (0..<(width * height * channels)).map { i in
            let row = i / (width * channels)
            return UInt8(60 + row + (i % 7))
        })
        for k in 0..<channels {
            late.pixels[(97 * width + 150) * channels + k] = 250
            late.pixels[(97 * width + 3) * channels + k] = 5
        }
        let noise = CenteredGeometryTests.randomImage(width: 131, height: 57, channels: channels, seed: 11)
        return [late, noise]
    }

    /// What Keras computes: the shift, clipped to the image's own min and max, rounded half to
    /// even; the brightness table after it on truncated values (alpha untouched by brightness).
    static func expected(_ image: Image, shift: Double, brightness: Double?) -> [UInt8] {
        let lo = Float(image.pixels.min()!), hi = Float(image.pixels.max()!)
        return image.pixels.indices.map { i in
            let value = min(max(Float(image.pixels[i]) + Float(shift), lo), hi)
            guard let brightness else { return Quantize.roundHalfEven(value) }
            let byte = Quantize.truncate(value)
            if image.channels == 4 && i % 4 == 3 { return byte }
            let t = Float(brightness) * Float(byte)
            return brightness <= 1 ? UInt8(t) : (t >= 255 ? 255 : UInt8(t))
        }
    }

    @Test(arguments: [1, 3, 4])
    func clipsToTheWholeImagesRangeWhereverItsExtremesAre(channels: Int) {
        for image in Self.images(channels: channels) {
            for (shift, brightness) in [(20.0, nil as Double?), (-30.0, nil), (12.5, nil), (25.0, 1.3), (-8.0, 0.6)] {
                for flip in [false, true] {
                    var p = KerasParameters()
                    p.channelShiftIntensity = shift
                    p.brightness = brightness
                    p.flipHorizontal = flip
                    var transform = KerasTransform()
                    let out = transform.apply(p, to: image)
                    var want = Self.expected(image, shift: shift, brightness: brightness)
                    if flip {
                        let (w, c) = (image.width, channels)
                        want = want.indices.map { i in
                            let (row, rest) = i.quotientAndRemainder(dividingBy: w * c)
                            let (col, k) = rest.quotientAndRemainder(dividingBy: c)
                            return want[row * w * c + (w - 1 - col) * c + k]
                        }
                    }
                    let wrong = zip(out.pixels, want).filter { $0 != $1 }.count
                    #expect(out.pixels.count == want.count && wrong == 0,
                            "\(image.width)x\(image.height)x\(channels) shift \(shift) brightness \(String(describing: brightness)) flip \(flip): \(wrong) bytes differ")
                }
            }
        }
    }
}
