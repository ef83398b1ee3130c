/// The affine map from output pixel (row r, column c) to input coordinates, in scipy's form:
/// `row = b0 + r*a00 + c*a01`, `col = b1 + r*a10 + c*a11`.
public struct SamplingMatrix: Sendable, Equatable {
    public var a00, a01, a10, a11, b0, b1: Double

    public init(a00: Double, a01: Double, a10: Double, a11: Double, b0: Double, b1: Double) {
        (self.a00, self.a01, self.a10, self.a11, self.b0, self.b1) = (a00, a01, a10, a11, b0, b1)
    }
}

/// Receives each output sample of the warp as scipy stores it (a Float).
public protocol SampleSink {
    /// `index` is the element index in the output buffer (pixel * channels + channel).
    mutating func store(_ index: Int, _ value: Float)
}

/// Bilinear resampling exactly as `scipy.ndimage.affine_transform(order=1)` computes it
/// (SEMANTICS.md §2.4): double-precision coordinates accumulated in scipy's order, scipy's
/// boundary arithmetic, weights `w0 = 1 - frac`, `w1 = 1 - w0`, taps summed in scipy's order,
/// and the result rounded to Float. Flips are folded into where samples are written.
public struct AffineSampler {
    public var matrix: SamplingMatrix
    public var fillMode: FillMode
    public var cval: Float
    /// Use period n for `wrap` (scipy's grid-wrap) instead of scipy's n-1.
    public var wrapPeriodN: Bool
    public var flipHorizontal = false
    public var flipVertical = false

    public init(matrix: SamplingMatrix, fillMode: FillMode, cval: Float, wrapPeriodN: Bool) {
        self.matrix = matrix
        self.fillMode = fillMode
        self.cval = cval
        self.wrapPeriodN = wrapPeriodN
    }

    /// Taps and weights on one axis, or nil when the sample is `cval` (constant mode only).
    @inline(__always)
    func taps(_ coordinate: Double, _ n: Int) -> (i0: Int, i1: Int, w0: Double, w1: Double)? {
        var cc = coordinate
        if fillMode != .nearest {
            cc = ScipyBoundary.map(cc, n, fillMode, wrapPeriodN: wrapPeriodN)
            if !(cc > -1.0) { return nil }
        }
        let start = cc.rounded(.down)
        let w0 = 1.0 - (cc - start)
        let w1 = 1.0 - w0
        // Coordinates far outside (nearest mode) must not overflow Int.
        var i0 = start < -2 ? -2 : (start > Double(n + 1) ? n + 1 : Int(start))
        var i1 = i0 + 1
        if i0 < 0 || i1 >= n {
            i0 = ScipyBoundary.tap(i0, n, fillMode, wrapPeriodN: wrapPeriodN)
            i1 = ScipyBoundary.tap(i1, n, fillMode, wrapPeriodN: wrapPeriodN)
        }
        return (i0, i1, w0, w1)
    }

    /// Warps `source` (8-bit, `channels` interleaved) into a same-sized output through `sink`.
    public func warp<Sink: SampleSink>(
        _ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int, into sink: inout Sink
    ) {
        let m = matrix
        for r in 0..<height {
            let outRow = flipVertical ? height - 1 - r : r
            let rowBase = m.b0 + Double(r) * m.a00
            let colBase = m.b1 + Double(r) * m.a10
            for c in 0..<width {
                let outCol = flipHorizontal ? width - 1 - c : c
                let outIndex = (outRow * width + outCol) * channels
                let y = rowBase + Double(c) * m.a01
                let x = colBase + Double(c) * m.a11
                guard let ty = taps(y, height), let tx = taps(x, width) else {
                    for k in 0..<channels { sink.store(outIndex + k, cval) }
                    continue
                }
                let p00 = (ty.i0 * width + tx.i0) * channels
                let p01 = (ty.i0 * width + tx.i1) * channels
                let p10 = (ty.i1 * width + tx.i0) * channels
                let p11 = (ty.i1 * width + tx.i1) * channels
                for k in 0..<channels {
                    var t = Double(source[p00 + k]) * ty.w0 * tx.w0
                    t += Double(source[p01 + k]) * ty.w0 * tx.w1
                    t += Double(source[p10 + k]) * ty.w1 * tx.w0
                    t += Double(source[p11 + k]) * ty.w1 * tx.w1
                    sink.store(outIndex + k, Float(t))
                }
            }
        }
    }
}
