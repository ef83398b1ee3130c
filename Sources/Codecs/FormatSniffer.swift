/// What the first bytes of a file say it is. File names are never consulted.
public enum SniffedFormat: Equatable, Sendable {
    case supported(ImageFormat)
    /// The start of a PNG or JPEG signature, cut off before the signature ends.
    case truncatedSignature(ImageFormat)
    case unsupported(String)
    case empty
}

public enum FormatSniffer {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
    /// Little- and big-endian TIFF, and BigTIFF.
    static let tiffSignatures: [[UInt8]] = [[0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A],
                                            [0x49, 0x49, 0x2B, 0x00], [0x4D, 0x4D, 0x00, 0x2B]]

    /// Identifies the format from magic bytes.
    public static func sniff<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> SniffedFormat {
        let head = Array(bytes.prefix(16))
        if head.isEmpty { return .empty }
        if head.starts(with: pngSignature) { return .supported(.png) }
        if head.starts(with: jpegSignature) { return .supported(.jpeg) }
        if isWebP(head) { return .supported(.webp) }
        if tiffSignatures.contains(where: { head.starts(with: $0) }) { return .supported(.tiff) }
        // "RIFF" and a size, cut off before the "WEBP" form type.
        if head.count < 12, head.count >= 4, head.starts(with: Array("RIFF".utf8)) { return .truncatedSignature(.webp) }
        if head.count < pngSignature.count, head.count >= 2, pngSignature.starts(with: head) {
            return .truncatedSignature(.png)
        }
        if head.count < jpegSignature.count, head.count >= 2, jpegSignature.starts(with: head) {
            return .truncatedSignature(.jpeg)
        }
        return .unsupported(otherFormatName(head))
    }

    static func isWebP(_ head: [UInt8]) -> Bool {
        head.count >= 12 && head.starts(with: Array("RIFF".utf8)) && Array(head[8..<12]) == Array("WEBP".utf8)
    }

    /// Names the common formats people drop by mistake, so the error says what the file is.
    static func otherFormatName(_ head: [UInt8]) -> String {
        func ascii(_ text: String, at offset: Int = 0) -> Bool {
            let expected = Array(text.utf8)
            guard head.count >= offset + expected.count else { return false }
            return Array(head[offset..<offset + expected.count]) == expected
        }
        if ascii("GIF87a") || ascii("GIF89a") { return "GIF" }
        if ascii("BM") && head.count >= 14 { return "BMP" }
        if ascii("ftyp", at: 4) {
            if ascii("avif", at: 8) || ascii("avis", at: 8) { return "AVIF" }
            if ascii("heic", at: 8) || ascii("heix", at: 8) || ascii("mif1", at: 8) || ascii("msf1", at: 8)
                || ascii("hevc", at: 8) || ascii("heim", at: 8) || ascii("heis", at: 8)
            {
                return "HEIC"
            }
        }
        if ascii("%PDF") { return "PDF" }
        if head.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return "JPEG 2000" }
        if head.starts(with: [0xFF, 0x0A]) { return "JPEG XL" }
        if head.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return "text"
        }
        return "unknown"
    }
}
