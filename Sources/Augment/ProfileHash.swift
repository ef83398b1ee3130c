import Hashing

extension Profile {
    /// A hash of the profile's settings: variant seeds depend on it, so a changed profile yields
    /// new variants while an unchanged one reproduces the old bytes. The encoding is ours, not a
    /// library's (a serializer's number formatting must never reseed a dataset): one `key=value`
    /// line per setting that differs from its default, in key order, numbers in Swift's
    /// shortest round-trip form. A setting added later with a default leaves old hashes alone.
    public var canonicalHash: SHA256Digest {
        SHA256Digest.of(Array(("augmentd-profile-v2\n" + canonicalText).utf8))
    }

    /// The text `canonicalHash` hashes.
    public var canonicalText: String {
        let defaults = Profile()
        var lines = [String]()
        func add<T: Equatable>(_ key: String, _ value: T, _ standard: T, _ text: (T) -> String) {
            if value != standard { lines.append("\(key)=\(text(value))") }
        }
        func number(_ value: Double) -> String { value.description }
        func shift(_ range: ShiftRange) -> String {
            switch range {
            case .uniform(let r): "uniform(\(number(r)))"
            case .choice(let values): "choice(\(values.map(number).joined(separator: ",")))"
            }
        }
        func interval(_ range: ZoomRange?) -> String { range.map { "[\(number($0.low)),\(number($0.high))]" } ?? "none" }
        add("adaptive_clip_limit", adaptiveClipLimit, defaults.adaptiveClipLimit, number)
        add("adaptive_equalization", adaptiveEqualization, defaults.adaptiveEqualization, number)
        add("brightness_range", brightnessRange, defaults.brightnessRange, interval)
        add("channel_shift_range", channelShiftRange, defaults.channelShiftRange, number)
        add("contrast_stretching", contrastStretching, defaults.contrastStretching, number)
        add("cval", cval, defaults.cval, number)
        add("fill_mode", fillMode, defaults.fillMode) { $0.rawValue }
        add("format", format, defaults.format) { $0.rawValue }
        add("geometry", geometry, defaults.geometry) { $0.rawValue }
        add("height_shift_range", heightShiftRange, defaults.heightShiftRange, shift)
        add("histogram_equalization", histogramEqualization, defaults.histogramEqualization, number)
        add("horizontal_flip", horizontalFlip, defaults.horizontalFlip) { "\($0)" }
        add("jpeg_quality", jpegQuality, defaults.jpegQuality) { "\($0)" }
        add("png_compression", pngCompression, defaults.pngCompression) { "\($0)" }
        add("rotation_range", rotationRange, defaults.rotationRange, number)
        add("shear_range", shearRange, defaults.shearRange, number)
        add("variants", variants, defaults.variants) { "\($0)" }
        add("vertical_flip", verticalFlip, defaults.verticalFlip) { "\($0)" }
        add("width_shift_range", widthShiftRange, defaults.widthShiftRange, shift)
        add("zoom_range", zoomRange, defaults.zoomRange) { interval($0) }
        return lines.map { $0 + "\n" }.joined()
    }
}
