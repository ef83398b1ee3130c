import Codecs
import Imaging

/// Channel shift, brightness and flips on an image that was not resampled: every value stays an
/// integer, so shift and brightness are 256-entry tables and flips a permutation of pixels.
enum PointTables {
    /// The tables for one value range: colour values, and alpha (which keeps its shifted value:
    /// brightness does not touch it), each as the fastest map its shape allows.
    struct Maps {
        let colour: [UInt8], alpha: [UInt8]
        let colourMap: ValueMap
        /// Brightness leaves alpha alone: then alpha follows its own table.
        let alphaDiffers: Bool

        init(range: (low: Int, high: Int), shift: Double?, brightness: BrightnessTable?) {
            var colour = [UInt8](repeating: 0, count: 256), alpha = colour
            for v in 0..<256 {
                var value = Float(v)
                if let shift { value = min(max(value + Float(shift), Float(range.low)), Float(range.high)) }
                alpha[v] = brightness == nil ? Quantize.roundHalfEven(value) : Quantize.truncate(value)
                colour[v] = brightness.map { $0.table[Int(Quantize.truncate(value))] } ?? Quantize.roundHalfEven(value)
            }
            (self.colour, self.alpha, colourMap, alphaDiffers) = (colour, alpha, ValueMap(colour), alpha != colour)
        }

        /// Whether both tables give the same bytes as `other`'s for every value in `values`.
        func agree(with other: Maps, on values: ClosedRange<Int>) -> Bool {
            values.allSatisfy { colour[$0] == other.colour[$0] && alpha[$0] == other.alpha[$0] }
        }
    }

    static func apply(to image: Image, shift: Double?, brightness: BrightnessTable?, flipHorizontal: Bool,
                      flipVertical: Bool, into output: inout [UInt8]) {
        let flips = (horizontal: flipHorizontal, vertical: flipVertical)
        guard shift != nil else {
            let maps = Maps(range: (0, 255), shift: nil, brightness: brightness)
            permute(image, rows: 0..<image.height, flips: flips, maps: maps, into: &output)
            return
        }
        shiftInOnePass(image, shift: shift, brightness: brightness, flips: flips, into: &output)
    }

    /// Channel shift clips to the image's own value range, known only once every byte has been
    /// read. Rather than a pass for the range and another for the map, each block of rows small
    /// enough to stay in L1 is mapped with the range seen so far (seeded from a sample of rows)
    /// while its own range is measured; a block that widens the range is mapped again at once, and
    /// an earlier block only if its values map differently under the final range. The bytes are
    /// those of two passes; an image beyond the caches is read about once instead of twice.
    private static func shiftInOnePass(_ image: Image, shift: Double?, brightness: BrightnessTable?,
                                       flips: (horizontal: Bool, vertical: Bool), into output: inout [UInt8]) {
        let (height, rowBytes) = (image.height, image.width * image.channels)
        guard rowBytes > 0, height > 0 else { return }
        let blockRows = max(1, 16_384 / rowBytes)
        var range = image.pixels.withUnsafeBufferPointer { px in
            var low = 255, high = 0
            for r in stride(from: 0, to: height, by: 16) {
                let row = PointKernels.range(of: UnsafeBufferPointer(rebasing: px[(r * rowBytes)..<((r + 1) * rowBytes)]))
                (low, high) = (min(low, row.low), max(high, row.high))
            }
            return (low: low, high: high)
        }
        var maps = [Maps(range: range, shift: shift, brightness: brightness)]
        // Each block's rows, the values it holds, and the tables it was mapped with.
        var blocks: [(rows: Range<Int>, values: ClosedRange<Int>, maps: Int)] = []
        blocks.reserveCapacity(height / blockRows + 1)
        for r0 in stride(from: 0, to: height, by: blockRows) {
            let rows = r0..<min(height, r0 + blockRows)
            var seen: (low: UInt8, high: UInt8) = (255, 0)
            permute(image, rows: rows, flips: flips, maps: maps[maps.count - 1], measuring: &seen, into: &output)
            if Int(seen.low) < range.low || Int(seen.high) > range.high {
                range = (min(range.low, Int(seen.low)), max(range.high, Int(seen.high)))
                maps.append(Maps(range: range, shift: shift, brightness: brightness))
                permute(image, rows: rows, flips: flips, maps: maps[maps.count - 1], into: &output)
            }
            blocks.append((rows, Int(seen.low)...Int(seen.high), maps.count - 1))
        }
        let final = maps[maps.count - 1]
        for block in blocks where block.maps != maps.count - 1 && !maps[block.maps].agree(with: final, on: block.values) {
            permute(image, rows: block.rows, flips: flips, maps: final, into: &output)
        }
    }

    /// Maps and moves the given source rows into `output`.
    static func permute(_ image: Image, rows: Range<Int>, flips: (horizontal: Bool, vertical: Bool), maps: Maps,
                        into output: inout [UInt8]) {
        var unused: (low: UInt8, high: UInt8) = (0, 0)
        permute(image, rows: rows, flips: flips, maps: maps, measuring: &unused, measure: false, into: &output)
    }

    /// `permute`, widening `range` to the smallest and largest source byte of those rows.
    static func permute(_ image: Image, rows: Range<Int>, flips: (horizontal: Bool, vertical: Bool), maps: Maps,
                        measuring range: inout (low: UInt8, high: UInt8), measure: Bool = true,
                        into output: inout [UInt8]) {
        let (width, height, channels) = (image.width, image.height, image.channels)
        let rowBytes = width * channels
        let alphaDiffers = channels == 4 && maps.alphaDiffers
        maps.alpha.withUnsafeBufferPointer { alpha in
            image.pixels.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    for r in rows {
                        let from = src.baseAddress! + r * rowBytes
                        let to = dst.baseAddress! + (flips.vertical ? height - 1 - r : r) * rowBytes
                        // A reversed row holds the same bytes, so its range is measured after the flip.
                        if flips.horizontal { PointKernels.reversePixels(from, to, width: width, channels: channels) }
                        let mapFrom = flips.horizontal ? UnsafePointer(to) : from
                        if measure {
                            maps.colourMap.apply(mapFrom, to, count: rowBytes, measuring: &range)
                        } else {
                            maps.colourMap.apply(mapFrom, to, count: rowBytes)
                        }
                        if alphaDiffers {
                            for c in 0..<width {
                                let d = (flips.horizontal ? width - 1 - c : c) * 4 + 3
                                to[d] = alpha[Int(from[c * 4 + 3])]
                            }
                        }
                    }
                }
            }
        }
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

    /// `apply`, widening `range` to the smallest and largest byte read.
    func apply(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, count: Int,
               measuring range: inout (low: UInt8, high: UInt8)) {
        if case .table = shape {
            table.withUnsafeBufferPointer { t in
                PointKernels.mapMeasuring(from, to, count: count, table: t.baseAddress!, range: &range)
            }
            return
        }
        let read = PointKernels.range(of: UnsafeBufferPointer(start: from, count: count))
        range = (min(range.low, UInt8(read.low)), max(range.high, UInt8(read.high)))
        apply(from, to, count: count)
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
