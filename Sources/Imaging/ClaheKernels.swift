import CImageKernels

/// The C kernels of CLAHE's per-pixel passes (clahe.c) for `AdaptiveEqualization`: the same bytes
/// with AVX-512 or without.
public enum ClaheKernels {
    /// max(R, G, B) of every pixel (the HSV value).
    public static func maxOfChannels(_ pixels: [UInt8], count: Int, channels: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { px in ik_max_of_channels(px.baseAddress!, count, Int32(channels), out.baseAddress!) }
            initialized = count
        }
    }

    /// Adds the bins of the given rows and columns (indices into a `width`-wide bin image) to `hist`.
    public static func histogram(_ bins: UnsafePointer<UInt16>, width: Int, rows: [Int32], cols: [Int32],
                                 into hist: inout [Int32]) {
        hist.withUnsafeMutableBufferPointer { h in
            ik_clahe_histogram(bins, Int32(width), rows, Int32(rows.count), cols, Int32(cols.count), h.baseAddress!)
        }
    }

    /// The tables and weights of one output row of the blend.
    public struct BlendRow {
        public var bins: UnsafePointer<UInt16>
        public var upper: UnsafePointer<Int32>, lower: UnsafePointer<Int32>
        public var leftOffsets: UnsafePointer<Int32>, rightOffsets: UnsafePointer<Int32>
        public var rightWeights: UnsafePointer<Double>
        public var lowerWeight: Double

        public init(bins: UnsafePointer<UInt16>, upper: UnsafePointer<Int32>, lower: UnsafePointer<Int32>,
                    leftOffsets: UnsafePointer<Int32>, rightOffsets: UnsafePointer<Int32>,
                    rightWeights: UnsafePointer<Double>, lowerWeight: Double) {
            (self.bins, self.upper, self.lower) = (bins, upper, lower)
            (self.leftOffsets, self.rightOffsets, self.rightWeights, self.lowerWeight) =
                (leftOffsets, rightOffsets, rightWeights, lowerWeight)
        }
    }

    /// Blends one row into `out`, widening `range` to the row's extremes.
    public static func blend(_ row: BlendRow, width: Int, into out: UnsafeMutablePointer<UInt16>,
                             range: inout (low: UInt16, high: UInt16)) {
        var c = ik_clahe_row(bins: row.bins, lut0: row.upper, lut1: row.lower, col_offset0: row.leftOffsets,
                             col_offset1: row.rightOffsets, col_frac: row.rightWeights, row_frac: row.lowerWeight)
        ik_clahe_blend_row(&c, Int32(width), out, &range.low, &range.high)
    }

    /// Colour pixels scaled to their new value `scaled[eq[i]]`, hue and saturation kept.
    public static func restoreColour(_ pixels: inout [UInt8], channels: Int, eq: [UInt16], scaled: [Double]) {
        pixels.withUnsafeMutableBufferPointer { px in
            eq.withUnsafeBufferPointer { e in
                scaled.withUnsafeBufferPointer { s in
                    ik_clahe_restore_colour(px.baseAddress!, e.count, Int32(channels), e.baseAddress!, s.baseAddress!)
                }
            }
        }
    }
}
