/// Float → 8-bit conversions shared by the operations.
public enum Quantize {
    /// `clip(rint(v), 0, 255)` with round-half-to-even, as numpy's `rint` and skimage's `img_as_ubyte` do.
    @inline(__always)
    public static func roundHalfEven(_ value: Float) -> UInt8 {
        let clipped = min(max(value, 0), 255)
        // Adding 2^23 leaves no fraction bits, so the FPU's default rounding (half to even) does
        // the work, and the integer lands in the low mantissa bits: no conversion needed.
        return UInt8(truncatingIfNeeded: (clipped + 8_388_608).bitPattern)
    }

    /// Four lanes at once.
    @inline(__always)
    public static func roundHalfEven(_ values: SIMD4<Float>) -> SIMD4<UInt8> {
        let clipped = values.clamped(lowerBound: SIMD4(repeating: 0), upperBound: SIMD4(repeating: 255))
        let shifted = clipped + SIMD4(repeating: 8_388_608)
        return SIMD4<UInt8>(truncatingIfNeeded: SIMD4<UInt32>(
            shifted[0].bitPattern, shifted[1].bitPattern, shifted[2].bitPattern, shifted[3].bitPattern))
    }

    /// `astype(uint8)` of a value in 0…255: truncation toward zero (clipped for safety).
    @inline(__always)
    public static func truncate(_ value: Float) -> UInt8 {
        UInt8(min(max(value, 0), 255))
    }

    /// The same for doubles.
    @inline(__always)
    public static func roundHalfEven(_ value: Double) -> UInt8 {
        let clipped = min(max(value, 0), 255)
        // 2^52: the integer lands in the low mantissa bits, rounded half to even.
        return UInt8(truncatingIfNeeded: (clipped + 4_503_599_627_370_496).bitPattern)
    }
}
