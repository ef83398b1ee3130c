import CImageCodecs

/// How to write an image.
public enum EncodeOptions: Sendable, Equatable {
    /// zlib level 0…9. `defaultLevel` favours speed; see the README ("PNG compression").
    case png(level: Int = EncodeOptions.defaultPNGLevel)
    /// Quality 1…100, 4:2:0 chroma, accurate DCT; baseline unless `progressive`.
    case jpeg(quality: Int = 92, progressive: Bool = false)
    /// Quality 0…100 (libwebp's lossy encoder), or lossless; grey is written as RGB.
    case webp(quality: Int = 92, lossless: Bool = false)

    /// Level 1 with the Sub filter: several times faster than zlib's default 6 for a few % more bytes.
    public static let defaultPNGLevel = 1

    public var format: ImageFormat {
        switch self {
        case .png: .png
        case .jpeg: .jpeg
        case .webp: .webp
        }
    }
}

public enum ImageEncoder {
    /// Encodes the image to a complete file in memory.
    public static func encode(_ image: Image, as options: EncodeOptions) throws(CodecError) -> [UInt8] {
        var buffer = ic_buffer()
        var message = MessageBuffer()
        guard let width = UInt32(exactly: image.width), let height = UInt32(exactly: image.height) else {
            throw .encodeFailed(options.format, "image of \(image.width)x\(image.height) is too large")
        }
        let channels = UInt32(image.channels)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            message.withPointer { text in
                switch options {
                case .png(let level):
                    ic_png_encode(pixels.baseAddress, width, height, channels, Int32(clamping: level), &buffer, text)
                case .jpeg(let quality, let progressive):
                    ic_jpeg_encode(pixels.baseAddress, width, height, channels, Int32(clamping: quality),
                                   progressive ? 1 : 0, &buffer, text)
                case .webp(let quality, let lossless):
                    ic_webp_encode(pixels.baseAddress, width, height, channels, Int32(clamping: quality),
                                   lossless ? 1 : 0, &buffer, text)
                }
            }
        }
        defer { ic_buffer_free(&buffer) }
        switch status {
        case IC_OK:
            return Array(UnsafeBufferPointer(start: buffer.data, count: buffer.size))
        case IC_NO_MEMORY:
            throw .outOfMemory(message.text)
        default:
            throw .encodeFailed(options.format, message.text)
        }
    }
}
