/// Float → 8-bit conversions shared by the operations.
public enum Quantize {
    /// `clip(rint(v), 0, 255)` with round-half-to-even, as numpy's `rint` and skimage's `img_as_ubyte` do.
    @inline(__always)
    public static func roundHalfEven(_ value: Float) -> UInt8 {
        let clipped = min(max(value, 0), 255)
        // Adding 2^23 leaves no fraction bits, so the FPU's default rounding (half to even) does the work.
        return UInt8((clipped + 8_388_608) - 8_388_608)
    }

    /// The same for doubles.
    @inline(__always)
    public static func roundHalfEven(_ value: Double) -> UInt8 {
        let clipped = min(max(value, 0), 255)
        return UInt8((clipped + 4_503_599_627_370_496) - 4_503_599_627_370_496)
    }
}
