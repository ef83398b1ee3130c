import Augment
import Codecs
import Imaging
import Testing
import TestSupport

/// The centered geometry does what the parameter names say; checked by exact properties.
struct CenteredGeometryTests {
    static func randomImage(width: Int, height: Int, channels: Int, seed: UInt64 = 1) -> Image {
        var random = SplitMix64(state: seed)
        let pixels = (0..<(width * height * channels)).map { _ in UInt8(random.next(below: 256)) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func transform(_ image: Image, _ configure: (inout KerasParameters) -> Void) -> Image {
        var p = KerasParameters()
        p.geometry = .centered
        configure(&p)
        var t = KerasTransform()
        return t.apply(p, to: image)
    }

    /// Builds an image from a function of the output position.
    static func remap(_ image: Image, width: Int, height: Int, _ source: (Int, Int) -> (Int, Int)) -> Image {
        var out = Image(width: width, height: height, channels: image.channels)
        for r in 0..<height {
            for c in 0..<width {
                let (sr, sc) = source(r, c)
                for k in 0..<image.channels {
                    out.pixels[(r * width + c) * image.channels + k] = image.pixels[(sr * image.width + sc) * image.channels + k]
                }
            }
        }
        return out
    }

    @Test(arguments: FillMode.allCases)
    func quarterTurnOfASquareImageIsAnExactCounterClockwiseRot90(_ mode: FillMode) {
        let image = Self.randomImage(width: 17, height: 17, channels: 3)
        let turned = Self.transform(image) {
            $0.theta = 90
            $0.fillMode = mode
        }
        // np.rot90: out[r][c] = in[c][n-1-r] — the content turns counter-clockwise.
        #expect(turned == Self.remap(image, width: 17, height: 17) { r, c in (c, 16 - r) })
    }

    @Test(arguments: [(24, 15), (15, 24), (16, 16)])
    func halfTurnIsBothFlipsEvenWhenNotSquare(width: Int, height: Int) {
        let image = Self.randomImage(width: width, height: height, channels: 1)
        let turned = Self.transform(image) { $0.theta = 180 }
        let flipped = Self.transform(image) {
            $0.flipHorizontal = true
            $0.flipVertical = true
        }
        #expect(turned == flipped)
    }

    @Test func integerShiftsMovePixelsExactlyAlongTheNamedAxes() {
        let image = Self.randomImage(width: 30, height: 20, channels: 3)
        // tx > 0 moves content left by tx columns, ty > 0 moves it up by ty rows (Keras's signs).
        let shifted = Self.transform(image) {
            $0.tx = 3
            $0.ty = 2
        }
        let expected = Self.remap(image, width: 30, height: 20) { r, c in (min(r + 2, 19), min(c + 3, 29)) }
        #expect(shifted == expected)
    }

    @Test func neutralParametersAreTheIdentity() {
        let image = Self.randomImage(width: 21, height: 13, channels: 4)
        #expect(Self.transform(image) { _ in } == image)
        #expect(Self.transform(image) { $0.theta = 360 } == image)
        #expect(Self.transform(image) {
            $0.zx = 1
            $0.zy = 1
            $0.theta = 0
            $0.fillMode = .constant
            $0.cval = 99
        } == image)
    }

    @Test func flippingTwiceIsTheIdentity() {
        let image = Self.randomImage(width: 19, height: 11, channels: 3)
        let once = Self.transform(image) {
            $0.flipHorizontal = true
            $0.flipVertical = true
        }
        #expect(once != image)
        #expect(Self.transform(once) {
            $0.flipHorizontal = true
            $0.flipVertical = true
        } == image)
    }

    @Test func wrapRepeatsWithPeriodN() {
        let image = Self.randomImage(width: 12, height: 9, channels: 1)
        // Shifting by a whole width (or height) in wrap mode lands every pixel on itself.
        #expect(Self.transform(image) {
            $0.tx = 12
            $0.fillMode = .wrap
        } == image)
        #expect(Self.transform(image) {
            $0.ty = -9
            $0.fillMode = .wrap
        } == image)
        // A shift by 5 columns wraps the left part around to the right.
        let wrapped = Self.transform(image) {
            $0.tx = 5
            $0.fillMode = .wrap
        }
        #expect(wrapped == Self.remap(image, width: 12, height: 9) { r, c in (r, (c + 5) % 12) })
    }

    @Test func constantFillUsesCvalOutsideTheImage() {
        let image = Self.randomImage(width: 10, height: 10, channels: 1)
        let shifted = Self.transform(image) {
            $0.tx = 4
            $0.fillMode = .constant
            $0.cval = 200
        }
        for r in 0..<10 {
            for c in 6..<10 { #expect(shifted.pixels[r * 10 + c] == 200) }
            for c in 0..<6 { #expect(shifted.pixels[r * 10 + c] == image.pixels[r * 10 + c + 4]) }
        }
    }

    @Test func zoomBelowOneEnlargesAboutTheCentre() {
        // A 2x zoom-in of a centred bright square doubles its size around the same centre.
        var image = Image(width: 21, height: 21, channels: 1)
        for r in 8...12 { for c in 8...12 { image.pixels[r * 21 + c] = 255 } }
        let zoomed = Self.transform(image) {
            $0.zx = 0.5
            $0.zy = 0.5
        }
        #expect(zoomed.pixels[10 * 21 + 10] == 255)
        #expect(zoomed.pixels[10 * 21 + 14] == 255)   // was outside the square: now inside
        #expect(zoomed.pixels[10 * 21 + 16] == 0)     // beyond the enlarged square
        #expect(zoomed.pixels[6 * 21 + 10] == 255)
    }
}
