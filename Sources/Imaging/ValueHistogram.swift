import CImageKernels
import Codecs

/// Counts of each 8-bit value over an image's colour channels (alpha excluded), the joint
/// histogram scikit-image uses for colour images.
public struct ValueHistogram {
    public private(set) var counts = [Int](repeating: 0, count: 256)
    public private(set) var total = 0

    public init(colourChannelsOf image: Image) {
        var narrow = [UInt32](repeating: 0, count: 256)
        image.pixels.withUnsafeBufferPointer { px in
            narrow.withUnsafeMutableBufferPointer { h in
                // A 4-channel image has whole pixels: alpha is every 4th byte.
                if let base = px.baseAddress { ik_colour_histogram(base, px.count, Int32(image.channels), h.baseAddress!) }
            }
        }
        for v in 0..<256 { counts[v] = Int(narrow[v]) }
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
