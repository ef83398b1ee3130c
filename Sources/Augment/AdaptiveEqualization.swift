import Codecs
import Imaging

/// `skimage.exposure.equalize_adapthist` (CLAHE) on 8-bit images (SEMANTICS.md §13): grey
/// directly, colour through the HSV value channel, alpha passed through. Integer tile
/// histograms clipped exactly as scikit-image redistributes them, one table per tile, and
/// one blending pass with scikit-image's float32 accumulation.
public enum AdaptiveEqualization {
    static let grayLevels = 16384

    public static func apply(to image: inout Image, kernelSize: (rows: Int, cols: Int)? = nil,
                             clipLimit: Double = 0.01, nbins: Int = 256) {
        let (width, height, channels) = (image.width, image.height, image.channels)
        guard width > 0, height > 0 else { return }
        let isColour = channels >= 3
        let kernel = kernelSize.map { (max($0.rows, 1), max($0.cols, 1)) } ?? (max(height / 8, 1), max(width / 8, 1))

        // The 8-bit intensity CLAHE works on: grey, or V = max(R, G, B).
        let count = width * height
        let intensity = isColour ? ClaheKernels.maxOfChannels(image.pixels, count: count, channels: channels) : image.pixels

        // img_as_uint, then the 14-bit stretch, then the bin: all functions of the 8-bit value.
        let u16: [Int] = (0..<256).map { v in
            isColour ? Int((Double(v) * (1.0 / 255) * 65535).rounded(.toNearestOrEven)) : v * 257
        }
        // u16 rises with the 8-bit value, so its extremes are those of the 8-bit extremes.
        let (low8, high8) = PointKernels.range(of: intensity)
        let imin = u16[low8], imax = u16[high8]
        let binSize = 1 + grayLevels / nbins
        let binOf: [UInt16] = (0..<256).map { v in
            let w: Double = imin != imax
                ? (((Double(min(max(u16[v], imin), imax)) - Double(imin)) / Double(imax - imin)) * 16383.0 + 0.0)
                    .rounded(.toNearestOrEven)
                : Double(min(max(imin, 0), 16383))
            return UInt16(Int(w) / binSize)
        }

        var range: (low: UInt16, high: UInt16) = (.max, .min)
        let equalized = ClaheTiles(intensity: intensity, width: width, height: height, kernel: kernel,
                                   binOf: binOf, nbins: nbins, clipLimit: clipLimit).blend(range: &range)

        // Final rescale of the uint16 result to [0, 1], as a table over the 14-bit values.
        let (lo, hi) = (Int(range.low), Int(range.high))
        let scaled: [Double] = (0...max(hi, 0)).map { x in
            let unit = lo != hi ? (Double(x) - Double(lo)) / Double(hi - lo) : min(max(Double(x), 0), 1)
            return unit * 255
        }
        if isColour {
            // hsv2rgb(h, s, V') with the original h and s is V' times channel/max: the hue sector
            // picks which channel is max, mid and min, and p, q, t are those ratios times V.
            ClaheKernels.restoreColour(&image.pixels, channels: channels, eq: equalized, scaled: scaled)
        } else {
            let byteOf = scaled.map(Quantize.roundHalfEven)
            byteOf.withUnsafeBufferPointer { table in
                equalized.withUnsafeBufferPointer { eq in
                    image.pixels.withUnsafeMutableBufferPointer { px in
                        for i in 0..<count { px[i] = table[Int(eq[i])] }
                    }
                }
            }
        }
    }
}

/// Tile histograms, their clipped cumulative tables, and the bilinear blend between tiles,
/// on the reflect-padded image scikit-image builds (only the index arithmetic is padded here).
struct ClaheTiles {
    let bins: [UInt16]          // bin of every original pixel
    let width: Int, height: Int
    let kr: Int, kc: Int
    let nbins: Int
    let tilesR: Int, tilesC: Int
    let padR: Int, padC: Int    // k // 2 before each axis
    var maps: [Int32]           // tilesR * tilesC * nbins

    init(intensity: [UInt8], width: Int, height: Int, kernel: (Int, Int), binOf: [UInt16], nbins: Int,
         clipLimit: Double) {
        self.width = width
        self.height = height
        (kr, kc) = kernel
        self.nbins = nbins
        bins = binOf.withUnsafeBufferPointer { table in
            [UInt16](unsafeUninitializedCapacity: intensity.count) { out, initialized in
                intensity.withUnsafeBufferPointer { v in
                    for i in 0..<v.count { out[i] = table[Int(v[i])] }
                }
                initialized = intensity.count
            }
        }
        padR = kr / 2
        padC = kc / 2
        let paddedR = height + padR + (kr - height % kr) % kr + (kr + 1) / 2
        let paddedC = width + padC + (kc - width % kc) % kc + (kc + 1) / 2
        tilesR = paddedR / kr - 1
        tilesC = paddedC / kc - 1
        maps = []
        buildMaps(clipLimit: clipLimit)
    }

    /// numpy's `reflect` padding: mirror without repeating the edge sample.
    static func reflect(_ index: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        var q = index % period
        if q < 0 { q += period }
        return q >= n ? period - q : q
    }

    private mutating func buildMaps(clipLimit: Double) {
        let pixels = kr * kc
        let clim = clipLimit > 0 ? Int(max(clipLimit * Double(pixels), 1)) : pixels
        let scale = Double(AdaptiveEqualization.grayLevels - 1) / Double(pixels)
        maps = [Int32](repeating: 0, count: tilesR * tilesC * nbins)
        var counts = [Int32](repeating: 0, count: nbins)
        var hist = [Int](repeating: 0, count: nbins)
        for i in 0..<tilesR {
            let rows = (0..<kr).map { Int32(Self.reflect(i * kr + $0, height)) }
            for j in 0..<tilesC {
                let cols = (0..<kc).map { Int32(Self.reflect(j * kc + $0, width)) }
                for b in 0..<nbins { counts[b] = 0 }
                bins.withUnsafeBufferPointer { bp in
                    ClaheKernels.histogram(bp.baseAddress!, width: width, rows: rows, cols: cols, into: &counts)
                }
                for b in 0..<nbins { hist[b] = Int(counts[b]) }
                Self.clip(&hist, limit: clim)
                let offset = (i * tilesC + j) * nbins
                var cumulative = 0
                for b in 0..<nbins {
                    cumulative += hist[b]
                    maps[offset + b] = Int32(min(Double(cumulative) * scale + 0, 16383))
                }
            }
        }
    }

    /// scikit-image's `clip_histogram`, step for step: its redistribution order changes results.
    static func clip(_ hist: inout [Int], limit clim: Int) {
        let n = hist.count
        var excess = 0
        for b in 0..<n where hist[b] > clim {
            excess += hist[b] - clim
            hist[b] = clim
        }
        let increment = excess / n
        let upper = clim - increment
        for b in 0..<n where hist[b] < upper {
            hist[b] += increment
            excess -= increment
        }
        for b in 0..<n where hist[b] >= upper && hist[b] < clim {
            excess += hist[b] - clim
            hist[b] = clim
        }
        var under = 0
        for b in 0..<n where hist[b] < clim { under += 1 }
        while excess > 0 {
            let before = excess
            for index in 0..<n {
                let step = max(1, under / excess)
                var selected = 0
                for p in stride(from: index, to: n, by: step) where hist[p] < clim {
                    hist[p] += 1
                    selected += 1
                    if hist[p] == clim { under -= 1 }
                }
                excess -= selected
                if excess <= 0 { break }
            }
            if excess == before { break }
        }
    }

    /// Blends the four nearest tile tables for every original pixel (float32 accumulation,
    /// corners in scikit-image's order) and truncates to uint16; `range` takes the extremes.
    func blend(range: inout (low: UInt16, high: UInt16)) -> [UInt16] {
        // Per-column table offsets and weights, shared by every row.
        var leftOffsets = [Int32](repeating: 0, count: width), rightOffsets = leftOffsets
        var rightWeights = [Double](repeating: 0, count: width)
        for x in 0..<width {
            let (bj, v) = (x + padC).quotientAndRemainder(dividingBy: kc)
            rightWeights[x] = Double(v) / Double(kc)
            leftOffsets[x] = Int32(min(max(bj - 1, 0), tilesC - 1) * nbins)
            rightOffsets[x] = Int32(min(max(bj, 0), tilesC - 1) * nbins)
        }
        return [UInt16](unsafeUninitializedCapacity: width * height) { out, initialized in
            leftOffsets.withUnsafeBufferPointer { left in
            rightOffsets.withUnsafeBufferPointer { right in
            rightWeights.withUnsafeBufferPointer { weights in
            maps.withUnsafeBufferPointer { lut in
            bins.withUnsafeBufferPointer { bp in
                for y in 0..<height {
                    let (bi, u) = (y + padR).quotientAndRemainder(dividingBy: kr)
                    let upper = min(max(bi - 1, 0), tilesR - 1) * tilesC * nbins
                    let lower = min(max(bi, 0), tilesR - 1) * tilesC * nbins
                    let row = ClaheKernels.BlendRow(
                        bins: bp.baseAddress! + y * width, upper: lut.baseAddress! + upper, lower: lut.baseAddress! + lower,
                        leftOffsets: left.baseAddress!, rightOffsets: right.baseAddress!, rightWeights: weights.baseAddress!,
                        lowerWeight: Double(u) / Double(kr))
                    ClaheKernels.blend(row, width: width, into: out.baseAddress! + y * width, range: &range)
                }
            }
            }
            }
            }
            }
            initialized = width * height
        }
    }
}
