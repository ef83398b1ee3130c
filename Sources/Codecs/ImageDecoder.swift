import CImageCodecs

/// Limits that keep hostile files from costing memory or time.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height accepted (DESIGN.md `max_pixels`). Checked from the header.
    public var maxPixels: Int
    /// Progressive JPEGs with more scans than this are refused (a CPU bomb otherwise).
    public var maxJPEGScans: Int

    public init(maxPixels: Int = 64_000_000, maxJPEGScans: Int = 1000) {
        self.maxPixels = maxPixels
        self.maxJPEGScans = maxJPEGScans
    }
}

/// Reads PNG, JPEG, WebP and TIFF files from memory: probe from the header, then decode upright pixels.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = DecodeLimits()) {
        self.limits = limits
    }

    /// Format, size, channels and orientation from the header alone; no pixel memory is allocated.
    public func probe(_ bytes: [UInt8]) throws(CodecError) -> ImageInfo {
        let format = try Self.format(of: bytes)
        var info = ic_info()
        var message = MessageBuffer()
        let status = bytes.withUnsafeBufferPointer { data in
            message.withPointer { text in
                switch format {
                case .png: ic_png_probe(data.baseAddress, data.count, &info, text)
                case .jpeg: ic_jpeg_probe(data.baseAddress, data.count, &info, text)
                case .webp: ic_webp_probe(data.baseAddress, data.count, &info, text)
                case .tiff: ic_tiff_probe(data.baseAddress, data.count, &info, text)
                }
            }
        }
        try check(status, format: format, message: message.text)
        let result = ImageInfo(format: format, info)
        if result.storedWidth == 0 || result.storedHeight == 0 {
            throw .corrupt(format, "image has no pixels (\(result.storedWidth)x\(result.storedHeight))")
        }
        try checkSize(result)
        return result
    }

    /// Decodes to 8-bit grey, RGB or RGBA with the EXIF orientation applied.
    public func decode(_ bytes: [UInt8]) throws(CodecError) -> (image: Image, info: ImageInfo) {
        let info = try probe(bytes)
        let (count, overflow) = info.pixelCount.multipliedReportingOverflow(by: info.channels)
        if overflow { throw .tooLarge(width: info.storedWidth, height: info.storedHeight, limit: limits.maxPixels) }
        var decoded = ic_info()
        var message = MessageBuffer()
        var status = IC_OK
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = bytes.withUnsafeBufferPointer { data in
                message.withPointer { text in
                    switch info.format {
                    case .png:
                        ic_png_decode(data.baseAddress, data.count, buffer.baseAddress, count, &decoded, text)
                    case .jpeg:
                        ic_jpeg_decode(data.baseAddress, data.count, buffer.baseAddress, count,
                                       UInt32(clamping: limits.maxJPEGScans), &decoded, text)
                    case .webp:
                        ic_webp_decode(data.baseAddress, data.count, buffer.baseAddress, count, &decoded, text)
                    case .tiff:
                        ic_tiff_decode(data.baseAddress, data.count, buffer.baseAddress, count, &decoded, text)
                    }
                }
            }
            // On failure the contents are not used, but the array must still be fully initialised.
            if status != IC_OK { buffer.initialize(repeating: 0) }
            initialized = count
        }
        try check(status, format: info.format, message: message.text)
        guard Int(decoded.width) == info.storedWidth, Int(decoded.height) == info.storedHeight,
              Int(decoded.channels) == info.channels
        else {
            throw .corrupt(info.format, "decoded size differs from the header")
        }
        let stored = Image(width: info.storedWidth, height: info.storedHeight, channels: info.channels, pixels: pixels)
        return (stored.applying(info.orientation), info)
    }

    static func format(of bytes: [UInt8]) throws(CodecError) -> ImageFormat {
        switch FormatSniffer.sniff(bytes) {
        case .supported(let format): return format
        case .truncatedSignature(let format): throw .truncated(format, "premature end of data")
        case .unsupported(let name): throw .unsupportedFormat(name)
        case .empty: throw .empty
        }
    }

    private func checkSize(_ info: ImageInfo) throws(CodecError) {
        let (pixels, overflow) = info.storedWidth.multipliedReportingOverflow(by: info.storedHeight)
        if overflow || pixels > limits.maxPixels {
            throw .tooLarge(width: info.storedWidth, height: info.storedHeight, limit: limits.maxPixels)
        }
    }

    private func check(_ status: ic_status, format: ImageFormat, message: String) throws(CodecError) {
        switch status {
        case IC_OK: return
        case IC_TRUNCATED: throw .truncated(format, message.isEmpty ? "premature end of data" : message)
        case IC_UNSUPPORTED: throw .unsupportedFeature(format, message)
        case IC_NO_MEMORY: throw .outOfMemory(message)
        default: throw .corrupt(format, message)
        }
    }
}

/// A fixed C buffer for the codec's error message.
struct MessageBuffer {
    private var storage = [CChar](repeating: 0, count: Int(IC_MESSAGE_CAPACITY))

    mutating func withPointer<R>(_ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    var text: String {
        let bytes = storage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
