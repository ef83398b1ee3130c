import Codecs
import Imaging

/// Keras `ImageDataGenerator.apply_transform` on an 8-bit image, quantised back to 8 bits
/// with round-half-to-even (SEMANTICS.md §1–§5, §8): affine → channel shift → flips → brightness.
///
/// Holds scratch memory; make one per worker and reuse it.
public struct KerasTransform {
    private var scratch: [Float] = []
    /// Off only to compare with the exact sampler (tests).
    public var fastCenteredSampler = true

    public init() {}

    public mutating func apply(_ p: KerasParameters, to image: Image) -> Image {
        let (width, height, channels) = (image.width, image.height, image.channels)
        let count = image.pixels.count
        // Every element is written below, so the buffer need not be zeroed first.
        var output = [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        let brightness = p.brightness.map(BrightnessTable.init(factor:))

        guard let matrix = AffineMatrix.sampling(for: p, width: width, height: height) else {
            // No resampling (Keras skips it): every value stays an integer, so channel shift and
            // brightness are exact 256-entry tables, and flips a permutation.
            PointTables.apply(to: image, shift: p.channelShiftIntensity, brightness: brightness,
                              flipHorizontal: p.flipHorizontal, flipVertical: p.flipVertical, into: &output)
            return Image(width: width, height: height, channels: channels, pixels: output)
        }

        var sampler = AffineSampler(matrix: matrix, fillMode: p.fillMode, cval: Float(p.cval),
                                    wrapPeriodN: p.geometry == .centered)
        sampler.flipHorizontal = p.flipHorizontal
        sampler.flipVertical = p.flipVertical
        // The centered geometry is ours (no reference to match bit for bit): its rounded bytes
        // come from the fixed-point sampler. Keras's geometry stays exact.
        sampler.fixedPointInterior = p.geometry == .centered && fastCenteredSampler

        guard let shift = p.channelShiftIntensity else {
            // Each sample goes straight from the sampler to its 8-bit value.
            image.pixels.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { out in
                    if let brightness {
                        brightness.table.withUnsafeBufferPointer { table in
                            sampler.warp(source, width: width, height: height, channels: channels,
                                         into: .bytesThroughTable(out.baseAddress!, table: table.baseAddress!,
                                                                  channels: channels))
                        }
                    } else {
                        sampler.warp(source, width: width, height: height, channels: channels,
                                     into: .bytes(out.baseAddress!))
                    }
                }
            }
            return Image(width: width, height: height, channels: channels, pixels: output)
        }

        // Channel shift clips to the global min/max of the affine output: keep it as Float first.
        if scratch.count < count { scratch = [Float](repeating: 0, count: count) }
        scratch.withUnsafeMutableBufferPointer { floats in
            image.pixels.withUnsafeBufferPointer { source in
                sampler.warp(source, width: width, height: height, channels: channels, into: .floats(floats.baseAddress!))
            }
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0..<count {
                lo = min(lo, floats[i])
                hi = max(hi, floats[i])
            }
            let intensity = Float(shift)
            output.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let shifted = min(max(floats[i] + intensity, lo), hi)
                    if let brightness {
                        let byte = Quantize.truncate(shifted)
                        out[i] = channels == 4 && i & 3 == 3 ? byte : brightness.table[Int(byte)]
                    } else {
                        out[i] = Quantize.roundHalfEven(shifted)
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: output)
    }
}

/// Pillow's `ImageEnhance.Brightness(img).enhance(f)` on 8-bit values, as a table
/// (SEMANTICS.md §5): single-precision multiply, truncation. Alpha is left alone by callers.
struct BrightnessTable {
    let table: [UInt8]

    init(factor: Double) {
        let a = Float(factor)
        table = (0..<256).map { v in
            if factor == 0 { return 0 }
            if factor == 1 { return UInt8(v) }
            let t = a * Float(v)
            if factor >= 0 && factor <= 1 { return UInt8(t) }
            return t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
        }
    }
}
