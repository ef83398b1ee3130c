import CImageKernels

/// The C point kernels (point_table.c) for callers above Imaging: byte maps and row reversal.
public enum PointKernels {
    /// True where byte maps run as AVX-512 VBMI permutes: a table is then the fastest way to
    /// apply any map, arithmetic ones included.
    public static var hasFastTables: Bool { ik_fast_byte_maps() != 0 }

    /// `to[i] = table[from[i]]` for `count` bytes; `from` may equal `to`.
    public static func map(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, count: Int,
                           table: UnsafePointer<UInt8>) {
        ik_map_bytes(from, to, count, 1, table)
    }

    /// `map`, widening `range` to the smallest and largest byte read (one pass).
    public static func mapMeasuring(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, count: Int,
                                    table: UnsafePointer<UInt8>, range: inout (low: UInt8, high: UInt8)) {
        ik_map_bytes_measuring(from, to, count, table, &range.low, &range.high)
    }

    /// Pixel c of `from` to pixel width-1-c of `to` (separate buffers).
    public static func reversePixels(_ from: UnsafePointer<UInt8>, _ to: UnsafeMutablePointer<UInt8>, width: Int,
                                     channels: Int) {
        ik_reverse_pixels(from, to, Int32(width), Int32(channels))
    }

    /// The smallest and the largest byte (one AVX-512 pass where the CPU has it).
    public static func range(of bytes: UnsafeBufferPointer<UInt8>) -> (low: Int, high: Int) {
        var lo: UInt8 = 255, hi: UInt8 = 0
        if let base = bytes.baseAddress { ik_byte_range(base, bytes.count, &lo, &hi) }
        return (Int(lo), Int(hi))
    }

    public static func range(of bytes: [UInt8]) -> (low: Int, high: Int) {
        bytes.withUnsafeBufferPointer { range(of: $0) }
    }
}
