import CImageCodecs

/// What a file's header says, read without decoding pixels.
public struct ImageInfo: Equatable, Sendable {
    public let format: ImageFormat
    /// Size as stored in the file, before the EXIF orientation is applied.
    public let storedWidth: Int
    public let storedHeight: Int
    /// Channels of the decoded image: 1 grey, 3 RGB, 4 RGBA.
    public let channels: Int
    public let orientation: Orientation
    public let bitDepth: Int
    /// How the file stores colour ("RGB", "palette", "grey+alpha", "YCbCr", "CMYK", …).
    public let colorModel: String
    /// PNG Adam7 interlacing or progressive JPEG.
    public let interlaced: Bool
    /// The pixels are stored exactly (PNG, lossless WebP): variants in the same format stay lossless.
    public let isLossless: Bool
    /// Pages (TIFF directories) in the file; only the first is decoded.
    public let pages: Int

    /// Size once the orientation is applied: what decoding returns.
    public var width: Int { orientation.swapsAxes ? storedHeight : storedWidth }
    public var height: Int { orientation.swapsAxes ? storedWidth : storedHeight }
    public var pixelCount: Int { storedWidth * storedHeight }

    init(format: ImageFormat, _ info: ic_info) {
        self.format = format
        storedWidth = Int(info.width)
        storedHeight = Int(info.height)
        channels = Int(info.channels)
        orientation = Orientation(rawValue: Int(info.orientation)) ?? .up
        bitDepth = Int(info.bit_depth)
        interlaced = info.interlaced != 0
        colorModel = switch format {
        case .png: Self.pngColorModel(Int(info.color_type))
        case .jpeg: Self.jpegColorModel(Int(info.color_type))
        case .webp: Self.webpColorModel(Int(info.color_type), alpha: info.channels == 4)
        case .tiff: Self.tiffColorModel(Int(info.color_type), samples: Int(info.source_channels))
        }
        isLossless = switch format {
        case .png: true
        case .jpeg: false
        case .webp: info.color_type == 2
        case .tiff: true
        }
        pages = format == .tiff ? max(Int(info.pages), 1) : 1
    }

    static func tiffColorModel(_ photometric: Int, samples: Int) -> String {
        // TIFF 6.0 PhotometricInterpretation.
        switch photometric {
        case 0, 1: samples == 2 ? "grey+alpha" : "grey"
        case 2: samples == 4 ? "RGBA" : "RGB"
        case 3: "palette"
        case 4: "transparency mask"
        case 5: "CMYK"
        case 6: "YCbCr"
        case 8, 9, 10: "CIE Lab"
        default: "photometric \(photometric)"
        }
    }

    static func webpColorModel(_ kind: Int, alpha: Bool) -> String {
        let colour = alpha ? "RGBA" : "RGB"
        switch kind {
        case 1: return "\(colour), lossy"
        case 2: return "\(colour), lossless"
        default: return "\(colour), lossy and lossless"
        }
    }

    static func pngColorModel(_ colorType: Int) -> String {
        switch colorType {
        case 0: "grey"
        case 2: "RGB"
        case 3: "palette"
        case 4: "grey+alpha"
        case 6: "RGBA"
        default: "colour type \(colorType)"
        }
    }

    static func jpegColorModel(_ colorSpace: Int) -> String {
        // libjpeg's J_COLOR_SPACE: 1 grey, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK.
        switch colorSpace {
        case 1: "grey"
        case 2: "RGB"
        case 3: "YCbCr"
        case 4: "CMYK"
        case 5: "YCCK"
        default: "colour space \(colorSpace)"
        }
    }
}
