import CImageKernels

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
    /// The first `channels` lanes of `values` are the channels of the pixel starting at `index`.
    mutating func storePixel(_ index: Int, _ values: SIMD4<Float>, channels: Int)
    /// Samples a run of pixels of one row with the SIMD kernel (see `ik_warp_row`).
    mutating func kernelRun(_ run: KernelRun)
}

/// A run of output pixels of one row for the C kernel.
public struct KernelRun {
    var source: ik_source
    let boundary: ik_boundary
    let cval: Float
    let rowBase: Double, colBase: Double, a01: Double, a11: Double
    let start: Int, end: Int
    /// Element index of pixel `start` in the output, and the step between pixels.
    let outIndex: Int, outStep: Int
    /// Rounded bytes may come from the fixed-point sampler (`AffineSampler.fixedPointInterior`).
    let fixedPoint: Bool

    func call(_ out: UnsafeMutableRawPointer, _ kind: ik_output, _ table: UnsafePointer<UInt8>?) {
        withUnsafePointer(to: source) { s in
            ik_warp_row(s, boundary, cval, rowBase, colBase, a01, a11, Int32(start), Int32(end), out, outStep, kind, table)
        }
    }

    /// Rounded bytes from the fixed-point sampler (interior) and the exact one (border).
    func callFixed(_ out: UnsafeMutablePointer<UInt8>) {
        withUnsafePointer(to: source) { s in
            ik_warp_row_fast(s, boundary, cval, rowBase, colBase, a01, a11, Int32(start), Int32(end), out, outStep)
        }
    }
}

extension SampleSink {
    @inline(__always)
    public mutating func storePixel(_ index: Int, _ values: SIMD4<Float>, channels: Int) {
        for k in 0..<channels { store(index &+ k, values[k]) }
    }
}

/// Bilinear resampling as `scipy.ndimage.affine_transform(order=1)` computes it (SEMANTICS.md
/// §2.4): coordinates in double, accumulated in scipy's order; scipy's boundary arithmetic;
/// weights `w0 = 1 - frac`, `w1 = 1 - w0`; the sample rounded to Float. Flips are folded into
/// where samples are written.
///
/// Speed: each row's run of pixels whose four taps lie inside the image (almost all of them)
/// goes to a SIMD kernel in C (`ik_warp_interior`) with no boundary arithmetic; only the pixels
/// near the border take scipy's exact path here.
public struct AffineSampler {
    public var matrix: SamplingMatrix
    public var fillMode: FillMode
    public var cval: Float
    /// Use period n for `wrap` (scipy's grid-wrap) instead of scipy's n-1.
    public var wrapPeriodN: Bool
    public var flipHorizontal = false
    public var flipVertical = false
    /// Interior samples written as rounded bytes come from the fixed-point sampler (warp_fast.c):
    /// at most one level from scipy's, and faster. For the centered geometry only; the keras
    /// geometry keeps scipy's exact arithmetic (its parity with the reference is exact).
    public var fixedPointInterior = false

    public init(matrix: SamplingMatrix, fillMode: FillMode, cval: Float, wrapPeriodN: Bool) {
        self.matrix = matrix
        self.fillMode = fillMode
        self.cval = cval
        self.wrapPeriodN = wrapPeriodN
    }

    /// Makes the kernels use their portable SSE2 code even where AVX2 exists (for tests: both
    /// must give identical bytes).
    public static func forcePortableKernels(_ on: Bool) {
        ik_force_portable(on ? 1 : 0)
    }

    /// Warps `source` (8-bit, `channels` interleaved) into a same-sized output through `sink`.
    public func warp<Sink: SampleSink>(
        _ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int, into sink: inout Sink
    ) {
        switch channels {
        case 1: warp(source, width, height, ChannelCount1.self, &sink)
        case 3: warp(source, width, height, ChannelCount3.self, &sink)
        case 4: warp(source, width, height, ChannelCount4.self, &sink)
        default: preconditionFailure("unsupported channel count \(channels)")
        }
    }

    @inline(__always)
    private func warp<C: ChannelCount, Sink: SampleSink>(
        _ sourceBuffer: UnsafeBufferPointer<UInt8>, _ width: Int, _ height: Int, _: C.Type, _ sink: inout Sink
    ) {
        let m = matrix
        let src = sourceBuffer.baseAddress!
        let channels = C.count
        let rowLimit = Double(height - 1), colLimit = Double(width - 1)
        let rowStride = width * channels
        let boundary: ik_boundary = switch fillMode {
        case .nearest: IK_NEAREST
        case .constant: IK_CONSTANT
        case .reflect: IK_REFLECT
        case .wrap: wrapPeriodN ? IK_GRID_WRAP : IK_WRAP
        }
        // Where the taps of the same columns are 8 output rows later (whole rows and columns).
        let rowsOn = 8 * m.a00, colsOn = 8 * m.a10
        let sane = abs(rowsOn) < 1e6 && abs(colsOn) < 1e6
        let ahead = sane ? Int(rowsOn) * rowStride + Int(colsOn) * channels : 0
        let source = ik_source(pixels: src, stride: rowStride, width: Int32(width), height: Int32(height),
                               channels: Int32(channels), size: sourceBuffer.count, prefetch_ahead: ahead,
                               ahead_rows: sane ? Int32(rowsOn) : 0, ahead_cols: sane ? Int32(colsOn) : 0)
        for r in 0..<height {
            let outRow = flipVertical ? height - 1 - r : r
            let rowBase = m.b0 + Double(r) * m.a00
            let colBase = m.b1 + Double(r) * m.a10
            let outStep = flipHorizontal ? -channels : channels
            let firstOut = (outRow * width + (flipHorizontal ? width - 1 : 0)) * channels
            // Images of at least 2×2 go through the kernel whole; a single row or column here.
            let kernelBoundary = width >= 2 && height >= 2 ? boundary : nil
            let run = kernelBoundary != nil ? 0..<width : 0..<0
            func pixel(_ c: Int) {
                let outIndex = firstOut &+ c &* outStep
                let cd = Double(c)
                let y = rowBase + cd * m.a01
                let x = colBase + cd * m.a11
                if y >= 0 && y < rowLimit && x >= 0 && x < colLimit {
                    // Interior, outside the kernel's run (next to the buffer's end): the same
                    // arithmetic as the kernel, in the same order.
                    let iy = Int(y), ix = Int(x)
                    let w0r = 1.0 - (y - Double(iy)), w0c = 1.0 - (x - Double(ix))
                    let w1r = 1.0 - w0r, w1c = 1.0 - w0c
                    let w00 = Float(w0r * w0c), w01 = Float(w0r * w1c)
                    let w10 = Float(w1r * w0c), w11 = Float(w1r * w1c)
                    let p00 = iy &* rowStride &+ ix &* channels
                    let p10 = p00 &+ rowStride
                    for k in 0..<channels {
                        let a = Float(src[p00 &+ k]) * w00 + Float(src[p10 &+ k]) * w10
                        let b = Float(src[p00 &+ channels &+ k]) * w01 + Float(src[p10 &+ channels &+ k]) * w11
                        sink.store(outIndex &+ k, a + b)
                    }
                } else {
                    borderSample(src, width, height, y, x, C.self, outIndex, &sink)
                }
            }
            for c in 0..<run.lowerBound { pixel(c) }
            if !run.isEmpty {
                sink.kernelRun(KernelRun(
                    source: source, boundary: kernelBoundary ?? IK_INSIDE, cval: cval,
                    rowBase: rowBase, colBase: colBase, a01: m.a01, a11: m.a11, start: run.lowerBound,
                    end: run.upperBound, outIndex: firstOut &+ run.lowerBound &* outStep, outStep: outStep,
                    fixedPoint: fixedPointInterior))
            }
            for c in run.upperBound..<width { pixel(c) }
        }
    }

    /// A sample near or beyond the border: scipy's coordinate mapping and tap remapping.
    @inline(never)
    private func borderSample<C: ChannelCount, Sink: SampleSink>(
        _ src: UnsafePointer<UInt8>, _ width: Int, _ height: Int, _ y: Double, _ x: Double, _: C.Type,
        _ outIndex: Int, _ sink: inout Sink
    ) {
        let channels = C.count
        guard let ty = taps(y, height), let tx = taps(x, width) else {
            for k in 0..<channels { sink.store(outIndex + k, cval) }
            return
        }
        let p00 = (ty.i0 * width + tx.i0) * channels
        let p01 = (ty.i0 * width + tx.i1) * channels
        let p10 = (ty.i1 * width + tx.i0) * channels
        let p11 = (ty.i1 * width + tx.i1) * channels
        for k in 0..<channels {
            var t = Double(src[p00 + k]) * ty.w0 * tx.w0
            t += Double(src[p01 + k]) * ty.w0 * tx.w1
            t += Double(src[p10 + k]) * ty.w1 * tx.w0
            t += Double(src[p11 + k]) * ty.w1 * tx.w1
            sink.store(outIndex + k, Float(t))
        }
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
}

/// The channel count as a type, so per-channel loops are unrolled at compile time.
public protocol ChannelCount {
    static var count: Int { get }
}
public enum ChannelCount1: ChannelCount { public static var count: Int { 1 } }
public enum ChannelCount3: ChannelCount { public static var count: Int { 3 } }
public enum ChannelCount4: ChannelCount { public static var count: Int { 4 } }
