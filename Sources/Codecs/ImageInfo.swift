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
        colorModel = format == .png
            ? Self.pngColorModel(Int(info.color_type))
            : Self.jpegColorModel(Int(info.color_type))
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
