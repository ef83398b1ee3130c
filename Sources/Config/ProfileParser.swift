import Augment
import Imaging
import TOMLKit

/// `[profiles.NAME]` tables → `Profile`, with Keras's meaning for each argument name.
enum ProfileParser {
    static func parse(_ table: TOMLTable, name: String, file: String) throws(ConfigError) -> Profile {
        var r = TOMLReader(table, file: file, path: "profiles.\(name)")
        var p = Profile()
        p.variants = try r.integer("variants", default: 8, range: 0...1000)
        p.rotationRange = try r.number("rotation_range", default: 0, range: 0...360)
        p.widthShiftRange = try shiftRange(&r, "width_shift_range")
        p.heightShiftRange = try shiftRange(&r, "height_shift_range")
        p.shearRange = try r.number("shear_range", default: 0, range: 0...89)
        p.zoomRange = try range(&r, "zoom_range", default: ZoomRange(low: 1, high: 1), singleMeansPlusMinus: true,
                                bounds: 0.01...100, singleBounds: 0...0.99) ?? ZoomRange(low: 1, high: 1)
        p.horizontalFlip = try r.bool("horizontal_flip", default: false)
        p.verticalFlip = try r.bool("vertical_flip", default: false)
        p.brightnessRange = try range(&r, "brightness_range", default: nil, singleMeansPlusMinus: false,
                                      bounds: 0...10, singleBounds: 0...0)
        p.channelShiftRange = try r.number("channel_shift_range", default: 0, range: 0...255)
        p.fillMode = try r.choice("fill_mode", default: FillMode.nearest)
        p.geometry = try r.choice("geometry", default: Geometry.centered)
        p.cval = try r.number("cval", default: 0, range: 0...255)
        p.contrastStretching = try r.probability("contrast_stretching")
        p.histogramEqualization = try r.probability("histogram_equalization")
        p.adaptiveEqualization = try r.probability("adaptive_equalization")
        p.adaptiveClipLimit = try r.number("adaptive_clip_limit", default: 0.03, range: 0...1)
        p.format = try r.choice("format", default: OutputFormat.same)
        p.jpegQuality = try r.integer("jpeg_quality", default: 92, range: 1...100)
        p.pngCompression = try r.integer("png_compression", default: p.pngCompression, range: 0...9)
        try r.finish()
        return p
    }

    /// A shift range: a float (uniform), an int n (one of 0..n-1) or a list (one of its values).
    static func shiftRange(_ r: inout TOMLReader, _ key: String) throws(ConfigError) -> ShiftRange {
        guard let (value, numbers) = r.numbers(key) else { return .none }
        let allowed = "must be a number (< 1: fraction of the size, >= 1: pixels), an integer n, or a list of numbers"
        if let numbers {
            guard !numbers.isEmpty, numbers.allSatisfy({ $0 >= 0 && $0 <= 100_000 }) else {
                throw r.error(key, "\(allowed), all from 0 to 100000")
            }
            return .choice(numbers)
        }
        if value.type == .int, let n = value.int {
            guard (0...100_000).contains(n) else { throw r.error(key, "\(allowed), got \(n)") }
            return n == 0 ? .none : .choice((0..<n).map(Double.init))
        }
        if value.type == .double, let d = value.double, (0...100_000).contains(d) {
            return .uniform(d)
        }
        throw r.error(key, allowed)
    }

    /// `[low, high]`, or (for zoom) one number z meaning [1-z, 1+z].
    static func range(_ r: inout TOMLReader, _ key: String, default fallback: ZoomRange?, singleMeansPlusMinus: Bool,
                      bounds: ClosedRange<Double>, singleBounds: ClosedRange<Double>) throws(ConfigError) -> ZoomRange? {
        guard let (value, numbers) = r.numbers(key) else { return fallback }
        let form = singleMeansPlusMinus ? "[low, high] or one number z meaning [1-z, 1+z]" : "[low, high]"
        if let numbers {
            guard numbers.count == 2, numbers[0] <= numbers[1], bounds.contains(numbers[0]), bounds.contains(numbers[1])
            else {
                throw r.error(key, "must be \(form), with \(bounds.lowerBound) <= low <= high <= \(bounds.upperBound)")
            }
            return ZoomRange(low: numbers[0], high: numbers[1])
        }
        if singleMeansPlusMinus {
            let z: Double? = value.type == .int ? value.int.map(Double.init) : (value.type == .double ? value.double : nil)
            if let z, singleBounds.contains(z) { return ZoomRange(low: 1 - z, high: 1 + z) }
        }
        throw r.error(key, "must be \(form)")
    }
}
