/// How points outside the input are filled: scipy.ndimage's modes, as Keras passes them through.
public enum FillMode: String, Sendable, Codable, CaseIterable {
    /// Clamp to the edge pixel.
    case nearest
    /// A fixed value (`cval`); no blending with it at the border (scipy order 1).
    case constant
    /// Half-sample symmetric: `d c b a | a b c d | d c b a`.
    case reflect
    /// Repeats the image. scipy (and so Keras) repeats with period n-1; the centered geometry
    /// uses the true period n (scipy's `grid-wrap`).
    case wrap
}

/// Coordinate arithmetic of scipy's `map_coordinate` (ni_interpolation.c, v1.17.1), verbatim,
/// so the Keras geometry reproduces the reference's boundary behaviour bit for bit.
public enum ScipyBoundary {
    /// Maps a coordinate on an axis of length `n` for `mode`. -1 means "use cval" (constant only).
    /// `wrapPeriodN` switches `wrap` to scipy's `grid-wrap` (period n).
    @inline(__always)
    public static func map(_ coordinate: Double, _ n: Int, _ mode: FillMode, wrapPeriodN: Bool = false) -> Double {
        var x = coordinate
        let len = Double(n)
        if x < 0 {
            switch mode {
            case .reflect:
                if n <= 1 { return 0 }
                let sz2 = 2 * len
                if x < -sz2 { x = sz2 * Double(Int(-x / sz2)) + x }
                if x < -len { return x + sz2 }
                return (x > -1e-15 ? 1e-15 : -x) - 1
            case .wrap:
                if wrapPeriodN { return gridWrap(x, len) }
                if n <= 1 { return 0 }
                let sz = len - 1
                return x + sz * (Double(Int(-x / sz)) + 1)
            case .nearest:
                return 0
            case .constant:
                return -1
            }
        } else if x > len - 1 {
            switch mode {
            case .reflect:
                if n <= 1 { return 0 }
                let sz2 = 2 * len
                x -= sz2 * Double(Int(x / sz2))
                return x >= len ? sz2 - x - 1 : x
            case .wrap:
                if wrapPeriodN { return gridWrap(x, len) }
                if n <= 1 { return 0 }
                let sz = len - 1
                return x - sz * Double(Int(x / sz))
            case .nearest:
                return len - 1
            case .constant:
                return -1
            }
        }
        return x
    }

    /// scipy's `grid-wrap`: true periodic extension with period n, result in [0, n).
    @inline(__always)
    static func gridWrap(_ x: Double, _ len: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: len)
        if r < 0 { r += len }
        return r >= len ? 0 : r
    }

    /// Remaps an out-of-range tap index with the spline boundary mode scipy uses for order 1:
    /// `mirror` for constant and wrap, clamping for nearest, `reflect` for reflect.
    /// With `wrapPeriodN`, wrap taps wrap around with period n instead.
    @inline(__always)
    public static func tap(_ index: Int, _ n: Int, _ mode: FillMode, wrapPeriodN: Bool = false) -> Int {
        if index >= 0 && index < n { return index }
        if n <= 1 { return 0 }
        switch mode {
        case .nearest:
            return index < 0 ? 0 : n - 1
        case .reflect:
            return Int(map(Double(index), n, .reflect))
        case .wrap where wrapPeriodN:
            let r = index % n
            return r < 0 ? r + n : r
        case .constant, .wrap:
            return Int(mirror(Double(index), n))
        }
    }

    /// scipy's `mirror` (whole-sample symmetric: `d c b | a b c d | c b a`).
    @inline(__always)
    static func mirror(_ coordinate: Double, _ n: Int) -> Double {
        var x = coordinate
        let len = Double(n)
        let sz2 = 2 * len - 2
        if x < 0 {
            x = sz2 * Double(Int(-x / sz2)) + x
            return x <= 1 - len ? x + sz2 : -x
        }
        if x > len - 1 {
            x -= sz2 * Double(Int(x / sz2))
            return x >= len ? sz2 - x : x
        }
        return x
    }
}
