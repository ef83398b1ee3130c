import Codecs
import Imaging

/// How a profile writes its variants.
public enum OutputFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg
    /// The original's own format.
    case same
}

/// A Keras shift range (`width_shift_range` / `height_shift_range`), with Keras's meaning:
/// a float draws uniformly from [-r, r]; an int n or a list draws one of its values with a
/// random sign; if every value is below 1 the result is a fraction of the image size.
public enum ShiftRange: Sendable, Equatable, Codable {
    case uniform(Double)
    case choice([Double])

    public static let none = ShiftRange.uniform(0)

    var isNone: Bool {
        switch self {
        case .uniform(let r): r == 0
        case .choice(let values): values.allSatisfy { $0 == 0 }
        }
    }

    /// Values below 1 are fractions of the image size.
    var isFraction: Bool {
        switch self {
        case .uniform(let r): r < 1
        case .choice(let values): (values.max() ?? 0) < 1
        }
    }
}

/// A named set of augmentation settings: the keys are Keras `ImageDataGenerator` argument
/// names, plus the recipe's contrast techniques as per-variant probabilities.
public struct Profile: Sendable, Equatable, Codable {
    public var variants = 8
    public var rotationRange = 0.0
    public var widthShiftRange = ShiftRange.none
    public var heightShiftRange = ShiftRange.none
    public var shearRange = 0.0
    public var zoomRange = ZoomRange(low: 1, high: 1)
    public var horizontalFlip = false
    public var verticalFlip = false
    public var brightnessRange: ZoomRange? = nil
    public var channelShiftRange = 0.0
    public var fillMode = FillMode.nearest
    public var geometry = Geometry.centered
    public var cval = 0.0
    public var contrastStretching = 0.0
    public var histogramEqualization = 0.0
    public var adaptiveEqualization = 0.0
    public var adaptiveClipLimit = 0.03
    public var format = OutputFormat.same
    public var jpegQuality = 92
    public var pngCompression = EncodeOptions.defaultPNGLevel

    public init() {}

    /// The encoding of variants of an original in `original` format (`lossless`: a lossless
    /// WebP original gives lossless WebP variants under `format = "same"`).
    public func encodeOptions(forOriginal original: ImageFormat, lossless: Bool = false) -> EncodeOptions {
        let format: ImageFormat = switch self.format {
        case .png: .png
        case .jpeg: .jpeg
        case .same: original
        }
        return switch format {
        case .png, .tiff: .png(level: pngCompression) // TIFF is read, never written
        case .jpeg: .jpeg(quality: jpegQuality)
        case .webp: .webp(quality: jpegQuality, lossless: lossless)
        }
    }
}

/// A closed interval [low, high] (zoom and brightness ranges).
public struct ZoomRange: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}
