import Codecs
import Imaging

/// One deterministic operation with the names and parameter keys of the reference set
/// (../shared/reference/cases.json); what `augmentd transform` runs.
public enum ReferenceOperation: Sendable, Equatable {
    case kerasApplyTransform(KerasParameters)
    case equalizeHist(input: SkimageInput, nbins: Int)
    case contrastStretch(percentiles: (Double, Double), input: SkimageInput)
    case equalizeAdapthist(kernelSize: (rows: Int, cols: Int)?, clipLimit: Double, nbins: Int)

    public static let names = ["keras_apply_transform", "skimage_equalize_hist", "skimage_contrast_stretch",
                               "skimage_equalize_adapthist"]

    public static func == (a: ReferenceOperation, b: ReferenceOperation) -> Bool {
        switch (a, b) {
        case (.kerasApplyTransform(let x), .kerasApplyTransform(let y)): x == y
        case (.equalizeHist(let i, let n), .equalizeHist(let j, let m)): i == j && n == m
        case (.contrastStretch(let p, let i), .contrastStretch(let q, let j)): p == q && i == j
        case (.equalizeAdapthist(let k, let c, let n), .equalizeAdapthist(let l, let d, let m)):
            k?.rows == l?.rows && k?.cols == l?.cols && c == d && n == m
        default: false
        }
    }

    /// Runs the operation on an 8-bit image.
    public func apply(to image: Image) -> Image {
        var out = image
        switch self {
        case .kerasApplyTransform(let p):
            var transform = KerasTransform()
            out = transform.apply(p, to: image)
        case .equalizeHist(let input, let nbins):
            HistogramEqualization.apply(to: &out, input: input, nbins: nbins)
        case .contrastStretch(let percentiles, let input):
            ContrastStretch.apply(to: &out, percentiles: percentiles, input: input)
        case .equalizeAdapthist(let kernel, let clip, let nbins):
            AdaptiveEqualization.apply(to: &out, kernelSize: kernel, clipLimit: clip, nbins: nbins)
        }
        return out
    }
}

/// Why a `transform` request was refused; names the key and what is allowed.
public struct ParameterError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ReferenceOperation {
    /// Parses `op` and its JSON parameters. Unknown keys and out-of-range values are refused.
    public static func parse(op: String, params: [String: JSONValue]) throws(ParameterError) -> ReferenceOperation {
        var reader = ParameterReader(params, op: op)
        let result: ReferenceOperation
        switch op {
        case "keras_apply_transform":
            var p = KerasParameters()
            p.geometry = try reader.enumeration("geometry", default: Geometry.keras)
            p.theta = try reader.number("theta", default: 0)
            p.tx = try reader.number("tx", default: 0)
            p.ty = try reader.number("ty", default: 0)
            p.shear = try reader.number("shear", default: 0)
            p.zx = try reader.number("zx", default: 1, range: 1e-6...1e6)
            p.zy = try reader.number("zy", default: 1, range: 1e-6...1e6)
            p.flipHorizontal = try reader.bool("flip_horizontal", default: false)
            p.flipVertical = try reader.bool("flip_vertical", default: false)
            p.channelShiftIntensity = try reader.optionalNumber("channel_shift_intensity", range: -255...255)
            p.brightness = try reader.optionalNumber("brightness", range: 0...1e6)
            p.fillMode = try reader.enumeration("fill_mode", default: FillMode.nearest)
            p.cval = try reader.number("cval", default: 0, range: 0...255)
            let order = try reader.number("interpolation_order", default: 1)
            if order != 1 {
                throw ParameterError("\(op): interpolation_order must be 1 (bilinear), got \(order)")
            }
            result = .kerasApplyTransform(p)
        case "skimage_equalize_hist":
            let input = try reader.enumeration("input_dtype", default: SkimageInput.uint8)
            let nbins = try reader.integer("nbins", default: 256, range: 2...65536)
            result = .equalizeHist(input: input, nbins: nbins)
        case "skimage_contrast_stretch":
            let input = try reader.enumeration("input_dtype", default: SkimageInput.uint8)
            let pair = try reader.numberPair("percentiles", default: (2, 98), range: 0...100)
            if pair.0 > pair.1 {
                throw ParameterError("\(op): percentiles must be [low, high] with low <= high, got [\(pair.0), \(pair.1)]")
            }
            result = .contrastStretch(percentiles: pair, input: input)
        case "skimage_equalize_adapthist":
            let input = try reader.enumeration("input_dtype", default: SkimageInput.uint8)
            if input != .uint8 {
                throw ParameterError("\(op): input_dtype must be \"uint8\" (8-bit images only)")
            }
            let kernel = try reader.kernelSize("kernel_size")
            let clip = try reader.number("clip_limit", default: 0.01, range: 0...1)
            let nbins = try reader.integer("nbins", default: 256, range: 2...16384)
            result = .equalizeAdapthist(kernelSize: kernel, clipLimit: clip, nbins: nbins)
        default:
            throw ParameterError("unknown op '\(op)' (allowed: \(names.joined(separator: ", ")))")
        }
        try reader.finish()
        return result
    }
}
