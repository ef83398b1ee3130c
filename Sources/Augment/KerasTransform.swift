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
            let table = PointTables.identityGeometry(image, shift: p.channelShiftIntensity, brightness: brightness)
            PointTables.permute(image, flipHorizontal: p.flipHorizontal, flipVertical: p.flipVertical,
                                tables: table, into: &output)
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

/// Channel shift, brightness and flips on an image that was not resampled.
enum PointTables {
    /// Tables for colour values and for alpha: channel shift then brightness (alpha keeps its
    /// shifted value: brightness does not touch it).
    static func identityGeometry(_ image: Image, shift: Double?, brightness: BrightnessTable?)
        -> (colour: [UInt8], alpha: [UInt8])
    {
        var lo = 255, hi = 0
        if shift != nil { (lo, hi) = PointKernels.range(of: image.pixels) }
        var colour = [UInt8](repeating: 0, count: 256), alpha = colour
        for v in 0..<256 {
            var value = Float(v)
            if let shift { value = min(max(value + Float(shift), Float(lo)), Float(hi)) }
            alpha[v] = brightness == nil ? Quantize.roundHalfEven(value) : Quantize.truncate(value)
            colour[v] = brightness.map { $0.table[Int(Quantize.truncate(value))] } ?? Quantize.roundHalfEven(value)
        }
        return (colour, alpha)
    }

    static func permute(_ image: Image, flipHorizontal: Bool, flipVertical: Bool,
                        tables: (colour: [UInt8], alpha: [UInt8]), into output: inout [UInt8]) {
        let (width, height, channels) = (image.width, image.height, image.channels)
        let rowBytes = width * channels
        let map = ValueMap(tables.colour)
        // Alpha follows its own table only when it differs (brightness leaves alpha alone).
        let alphaDiffers = channels == 4 && tables.alpha != tables.colour
        tables.alpha.withUnsafeBufferPointer { alpha in
            image.pixels.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<height {
                        let from = src.baseAddress! + r * rowBytes
                        let to = dst.baseAddress! + (flipVertical ? height - 1 - r : r) * rowBytes
                        if flipHorizontal {
                            reverseRow(from, to, width: width, channels: channels)
                            map.apply(to, to, count: rowBytes)
                        } else {
                            map.apply(from, to, count: rowBytes)
                        }
                        if alphaDiffers {
                            for c in 0..<width {
                                let d = (flipHorizontal ? width - 1 - c : c) * 4 + 3
                                to[d] = alpha[Int(from[c * 4 + 3])]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies a row of pixels in reverse pixel order (a byte permute per 64 bytes with AVX-512 VBMI).
    static func reverseRow(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, width: Int, channels: Int) {
        PointKernels.reversePixels(from, to, width: width, channels: channels)
    }
}

/// A 256-entry value map, applied with the fastest loop its shape allows: a copy for the
/// identity; the table kernel where it has AVX-512 VBMI (two permutes per 64 bytes); elsewhere an
/// add-and-clamp (which vectorises) when the map is one, a table lookup otherwise.
struct ValueMap {
    enum Shape {
        case identity
        case shiftClamp(offset: Int16, low: Int16, high: Int16)
        case table
    }

    let shape: Shape
    let table: [UInt8]

    init(_ table: [UInt8]) {
        self.table = table
        if table.indices.allSatisfy({ table[$0] == UInt8($0) }) {
            shape = .identity
            return
        }
        // v -> clamp(v + k, lo, hi) for every v?
        let k = Int(table[128]) - 128
        let lo = Int(table[0]), hi = Int(table[255])
        if !PointKernels.hasFastTables, table.indices.allSatisfy({ Int(table[$0]) == min(max($0 + k, lo), hi) }) {
            shape = .shiftClamp(offset: Int16(k), low: Int16(lo), high: Int16(hi))
        } else {
            shape = .table
        }
    }

    /// Maps `count` bytes; `from` may equal `to`.
    func apply(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, count: Int) {
        switch shape {
        case .identity:
            if UnsafeRawPointer(from) != UnsafeRawPointer(to) { to.update(from: from, count: count) }
        case .shiftClamp(let k, let lo, let hi):
            for i in 0..<count { to[i] = UInt8(truncatingIfNeeded: min(max(Int16(from[i]) &+ k, lo), hi)) }
        case .table:
            table.withUnsafeBufferPointer { t in PointKernels.map(from, to, count: count, table: t.baseAddress!) }
        }
    }
}
