import Codecs
import Imaging

/// Keras `ImageDataGenerator.apply_transform` on an 8-bit image, quantised back to 8 bits
/// with round-half-to-even (SEMANTICS.md §1–§5, §8): affine → channel shift → flips → brightness.
///
/// Holds scratch memory; make one per worker and reuse it.
public struct KerasTransform {
    private var scratch: [Float] = []

    public init() {}

    public mutating func apply(_ p: KerasParameters, to image: Image) -> Image {
        let count = image.pixels.count
        let brightness = p.brightness.map { BrightnessTable(factor: $0, channels: image.channels) }
        var output = [UInt8](repeating: 0, count: count)

        guard let shift = p.channelShiftIntensity else {
            // No global step: each sample goes straight from the sampler to its 8-bit value.
            output.withUnsafeMutableBufferPointer { out in
                var sink = ByteSink(out: out.baseAddress!, channels: image.channels, brightness: brightness)
                Self.produceSamples(p, image, into: &sink)
            }
            return Image(width: image.width, height: image.height, channels: image.channels, pixels: output)
        }

        // Channel shift clips to the global min/max of the affine output, so keep it as Float first.
        if scratch.count < count { scratch = [Float](repeating: 0, count: count) }
        scratch.withUnsafeMutableBufferPointer { floats in
            var sink = FloatSink(out: floats.baseAddress!)
            Self.produceSamples(p, image, into: &sink)
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0..<count {
                lo = min(lo, floats[i])
                hi = max(hi, floats[i])
            }
            let intensity = Float(shift)
            output.withUnsafeMutableBufferPointer { out in
                var bytes = ByteSink(out: out.baseAddress!, channels: image.channels, brightness: brightness)
                for i in 0..<count {
                    bytes.store(i, min(max(floats[i] + intensity, lo), hi))
                }
            }
        }
        return Image(width: image.width, height: image.height, channels: image.channels, pixels: output)
    }

    /// Runs the affine step (or the plain copy Keras does for an identity) with flips folded in.
    private static func produceSamples<Sink: SampleSink>(_ p: KerasParameters, _ image: Image, into sink: inout Sink) {
        let (width, height, channels) = (image.width, image.height, image.channels)
        image.pixels.withUnsafeBufferPointer { source in
            if let matrix = AffineMatrix.sampling(for: p, width: width, height: height) {
                var sampler = AffineSampler(matrix: matrix, fillMode: p.fillMode, cval: Float(p.cval),
                                            wrapPeriodN: p.geometry == .centered)
                sampler.flipHorizontal = p.flipHorizontal
                sampler.flipVertical = p.flipVertical
                sampler.warp(source, width: width, height: height, channels: channels, into: &sink)
                return
            }
            for r in 0..<height {
                let outRow = p.flipVertical ? height - 1 - r : r
                for c in 0..<width {
                    let outCol = p.flipHorizontal ? width - 1 - c : c
                    let from = (r * width + c) * channels, to = (outRow * width + outCol) * channels
                    for k in 0..<channels { sink.store(to + k, Float(source[from + k])) }
                }
            }
        }
    }
}

struct FloatSink: SampleSink {
    let out: UnsafeMutablePointer<Float>
    @inline(__always) mutating func store(_ index: Int, _ value: Float) { out[index] = value }
}

/// Final quantisation: `clip(rint(v), 0, 255)`, or brightness (truncate, PIL blend) when set.
struct ByteSink: SampleSink {
    let out: UnsafeMutablePointer<UInt8>
    let channels: Int
    let brightness: BrightnessTable?

    @inline(__always) mutating func store(_ index: Int, _ value: Float) {
        if let brightness {
            // array_to_img truncates the float image to uint8 before PIL sees it.
            let byte = UInt8(min(max(value, 0), 255))
            out[index] = brightness.apply(byte, channel: index % channels)
        } else {
            out[index] = Quantize.roundHalfEven(value)
        }
    }
}

/// Pillow's `ImageEnhance.Brightness(img).enhance(f)` on 8-bit values, as a table
/// (SEMANTICS.md §5): single-precision multiply, truncation, alpha untouched.
struct BrightnessTable {
    let table: [UInt8]
    let hasAlpha: Bool
    let alphaChannel: Int

    init(factor: Double, channels: Int) {
        let a = Float(factor)
        table = (0..<256).map { v in
            if factor == 0 { return 0 }
            if factor == 1 { return UInt8(v) }
            let t = a * Float(v)
            if factor >= 0 && factor <= 1 { return UInt8(t) }
            return t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
        }
        hasAlpha = channels == 4
        alphaChannel = 3
    }

    @inline(__always) func apply(_ value: UInt8, channel: Int) -> UInt8 {
        hasAlpha && channel == alphaChannel ? value : table[Int(value)]
    }
}
