import Codecs
import Imaging

/// What scikit-image is handed: the uint8 array, or `img_as_float` of it (`v * (1/255)`).
public enum SkimageInput: String, Sendable, Codable, CaseIterable {
    case uint8
    case float64
}

/// `skimage.exposure.equalize_hist` on the colour channels jointly (SEMANTICS.md §11), as a table.
public enum HistogramEqualization {
    public static func apply(to image: inout Image, input: SkimageInput = .uint8, nbins: Int = 256) {
        let histogram = ValueHistogram(colourChannelsOf: image)
        guard histogram.total > 0 else { return }
        let table = input == .uint8 ? uint8Table(histogram) : floatTable(histogram, nbins: nbins)
        LookupTable(table).apply(to: &image)
    }

    /// uint8 input: one bin per integer value from min to max; `nbins` is ignored.
    static func uint8Table(_ h: ValueHistogram) -> [UInt8] {
        var table = [UInt8](repeating: 0, count: 256)
        var cumulative = 0
        let total = Double(h.total)
        for v in h.minimum...h.maximum {
            cumulative += h.counts[v]
            table[v] = Quantize.roundHalfEven(Double(cumulative) / total * 255)
        }
        return table
    }

    /// float input: numpy's uniform-bin histogram, bin centres, `np.interp` of each value.
    static func floatTable(_ h: ValueHistogram, nbins: Int) -> [UInt8] {
        func f(_ v: Int) -> Double { Double(v) * (1.0 / 255) }
        var lo = f(h.minimum), hi = f(h.maximum)
        if lo == hi {
            lo -= 0.5
            hi += 0.5
        }
        // np.linspace(lo, hi, nbins + 1): i*step + lo, with the last edge exactly hi.
        let step = (hi - lo) / Double(nbins)
        var edges = (0...nbins).map { Double($0) * step + lo }
        edges[nbins] = hi
        let norm = Double(nbins) / (hi - lo)
        var binCounts = [Int](repeating: 0, count: nbins)
        for v in 0..<256 where h.counts[v] > 0 {
            let a = f(v)
            var index = Int((a - lo) * norm)
            if index == nbins { index -= 1 }
            if a < edges[index] { index -= 1 }
            if index != nbins - 1 && a >= edges[index + 1] { index += 1 }
            binCounts[index] += h.counts[v]
        }
        let centres = (0..<nbins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var cdf = [Double](repeating: 0, count: nbins)
        var running = 0
        for i in 0..<nbins {
            running += binCounts[i]
            cdf[i] = Double(running) / Double(h.total)
        }
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 {
            table[v] = Quantize.roundHalfEven(interpolate(f(v), centres, cdf) * 255)
        }
        return table
    }

    /// `np.interp(x, xp, fp)` for increasing `xp`.
    static func interpolate(_ x: Double, _ xp: [Double], _ fp: [Double]) -> Double {
        if x <= xp[0] { return fp[0] }
        if x >= xp[xp.count - 1] { return fp[fp.count - 1] }
        // Last j with xp[j] <= x (searchsorted right, minus one).
        var low = 0, high = xp.count
        while low < high {
            let mid = (low + high) / 2
            if xp[mid] <= x { low = mid + 1 } else { high = mid }
        }
        let j = low - 1
        if x == xp[j] { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        return slope * (x - xp[j]) + fp[j]
    }
}

/// Contrast stretching: `rescale_intensity(img, in_range=tuple(np.percentile(img, (lo, hi))))`
/// on the colour channels jointly (SEMANTICS.md §12), as a table.
public enum ContrastStretch {
    public static func apply(to image: inout Image, percentiles: (Double, Double) = (2, 98),
                             input: SkimageInput = .uint8) {
        let histogram = ValueHistogram(colourChannelsOf: image)
        guard histogram.total > 0 else { return }
        LookupTable(table(histogram, percentiles: percentiles, input: input)).apply(to: &image)
    }

    static func table(_ h: ValueHistogram, percentiles: (Double, Double), input: SkimageInput) -> [UInt8] {
        let scale = input == .uint8 ? 1.0 : 1.0 / 255
        func value(_ v: Int) -> Double { input == .uint8 ? Double(v) : Double(v) * scale }
        let lo = percentile(h, percentiles.0, value)
        let hi = percentile(h, percentiles.1, value)
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 {
            let y = min(max(value(v), lo), hi)
            switch input {
            case .uint8:
                // Output stays uint8: truncated, not rounded.
                table[v] = lo != hi ? UInt8(((y - lo) / (hi - lo)) * 255.0 + 0.0) : UInt8(min(max(y, 0), 255))
            case .float64:
                let out = lo != hi ? (y - lo) / (hi - lo) * 1.0 + 0.0 : min(max(y, 0), 1)
                table[v] = Quantize.roundHalfEven(out * 255)
            }
        }
        return table
    }

    /// numpy's "linear" percentile (SEMANTICS.md §12) over the sorted values of the histogram.
    static func percentile(_ h: ValueHistogram, _ p: Double, _ value: (Int) -> Double) -> Double {
        let n = h.total
        let vi = Double(n - 1) * (p / 100)
        if vi >= Double(n - 1) { return value(h.sortedValue(at: n - 1)) }
        let j = Int(vi.rounded(.down))
        let g = vi - Double(j)
        let a = value(h.sortedValue(at: j)), b = value(h.sortedValue(at: j + 1))
        let d = b - a
        return g < 0.5 ? a + d * g : b - d * (1 - g)
    }
}
