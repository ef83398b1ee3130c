/// The formats augmentd decodes and encodes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg
    case webp
    /// Decoded only: variants of a TIFF are written as PNG under `format = "same"`.
    case tiff

    /// How users and error messages name the format.
    public var displayName: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .webp: "WebP"
        case .tiff: "TIFF"
        }
    }

    /// The extension written for files of this format.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .tiff: "tif"
        }
    }
}
