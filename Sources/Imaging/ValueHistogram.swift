import CImageKernels
import Codecs

/// Counts of each 8-bit value over an image's colour channels (alpha excluded), the joint
/// histogram scikit-image uses for colour images.
public struct ValueHistogram {
    public private(set) var counts = [Int](repeating: 0, count: 256)
    public private(set) var total = 0

    public init(colourChannelsOf image: Image) {
        let colour = image.channels == 4 ? 3 : image.channels
        let stride = image.channels
        // Four partial histograms break the store-to-load dependency on repeated values.
        var partial = [Int](repeating: 0, count: 256 * 4)
        image.pixels.withUnsafeBufferPointer { px in
            partial.withUnsafeMutableBufferPointer { h in
                if colour == stride {
                    let n = px.count
                    var i = 0
                    while i + 4 <= n {
                        h[Int(px[i])] += 1
                        h[256 + Int(px[i + 1])] += 1
                        h[512 + Int(px[i + 2])] += 1
                        h[768 + Int(px[i + 3])] += 1
                        i += 4
                    }
                    while i < n {
                        h[Int(px[i])] += 1
                        i += 1
                    }
                } else {
                    for p in Swift.stride(from: 0, to: px.count, by: stride) {
                        for c in 0..<colour { h[c * 256 + Int(px[p + c])] += 1 }
                    }
                }
            }
        }
        for v in 0..<256 { counts[v] = partial[v] + partial[256 + v] + partial[512 + v] + partial[768 + v] }
        total = counts.reduce(0, +)
    }

    public var minimum: Int { counts.firstIndex { $0 > 0 } ?? 0 }
    public var maximum: Int { counts.lastIndex { $0 > 0 } ?? 0 }

    /// The value at position `index` of the sorted values (0-based).
    public func sortedValue(at index: Int) -> Int {
        var seen = 0
        for v in 0..<256 {
            seen += counts[v]
            if seen > index { return v }
        }
        return 255
    }
}

/// A 256-entry table applied to the colour channels of an image; alpha passes through.
public struct LookupTable {
    public var table: [UInt8]

    public init(_ table: [UInt8]) {
        precondition(table.count == 256)
        self.table = table
    }

    public func apply(to image: inout Image) {
        let channels = image.channels
        table.withUnsafeBufferPointer { lut in
            image.pixels.withUnsafeMutableBufferPointer { px in
                guard px.count > 0 else { return }
                ik_apply_table(px.baseAddress!, px.count, Int32(channels), lut.baseAddress!)
            }
        }
    }
}
