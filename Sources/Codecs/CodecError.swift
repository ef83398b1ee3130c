/// Why an image could not be read or written. The description is the sentence users see,
/// in the CLI, in logs and in `.failed/<name>.error.txt`.
public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file holds no bytes at all.
    case empty
    /// Not a format augmentd decodes; the payload names what it is ("GIF", "WebP", … or "unknown").
    case unsupportedFormat(String)
    /// The data ends before the image does. A file still being written looks like this too.
    case truncated(ImageFormat, String)
    /// The data is damaged: bad CRC, bad Huffman code, invalid header…
    case corrupt(ImageFormat, String)
    /// A valid file that uses something augmentd does not decode.
    case unsupportedFeature(ImageFormat, String)
    /// More pixels than allowed, refused from the header before any pixel memory is allocated.
    case tooLarge(width: Int, height: Int, limit: Int)
    case outOfMemory(String)
    /// Encoding failed (an empty image, a quality out of range…).
    case encodeFailed(ImageFormat, String)

    public var description: String {
        switch self {
        case .empty:
            "empty file"
        case .unsupportedFormat(let name):
            "unsupported format: \(name)"
        case .truncated(let format, let reason):
            "truncated \(format.displayName): \(reason)"
        case .corrupt(let format, let reason):
            "corrupt \(format.displayName): \(reason)"
        case .unsupportedFeature(let format, let reason):
            "unsupported \(format.displayName): \(reason)"
        case .tooLarge(let width, let height, let limit):
            "image too large: \(width)x\(height) is \(width * height) pixels, the limit (max_pixels) is \(limit)"
        case .outOfMemory(let reason):
            "out of memory: \(reason)"
        case .encodeFailed(let format, let reason):
            "cannot encode \(format.displayName): \(reason)"
        }
    }

    /// True when the file may simply not be complete yet (worth looking at again later): cut
    /// short, or empty (created by a writer that has not written yet, or is rewriting it in place).
    public var mayBeIncomplete: Bool {
        switch self {
        case .truncated, .empty: true
        default: false
        }
    }
}
