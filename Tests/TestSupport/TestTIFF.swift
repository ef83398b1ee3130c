import Codecs

/// A minimal TIFF writer independent of libtiff: little-endian, one uncompressed strip, 8-bit
/// grey, RGB or RGBA, every IFD value a SHORT or LONG kept inline (bits per sample at an offset
/// for several samples).
public enum TestTIFF {
    /// Tags in the order written; values patched in place by `patch`.
    static func entries(_ image: Image, bitsOffset: Int, dataOffset: Int) -> [(tag: Int, type: Int, count: Int, value: Int)] {
        let c = image.channels
        var list: [(Int, Int, Int, Int)] = [
            (256, 3, 1, image.width), (257, 3, 1, image.height), (258, 3, c, c == 1 ? 8 : bitsOffset),
            (259, 3, 1, 1), (262, 3, 1, c == 1 ? 1 : 2), (273, 4, 1, dataOffset), (277, 3, 1, c),
            (278, 3, 1, image.height), (279, 4, 1, image.pixels.count),
        ]
        if c == 4 { list.append((338, 3, 1, 2)) } // ExtraSamples: unassociated alpha
        return list
    }

    public static func encoded(_ image: Image) -> [UInt8] {
        let count = entries(image, bitsOffset: 0, dataOffset: 0).count
        let ifdOffset = 8, ifdSize = 2 + 12 * count + 4
        let bitsOffset = ifdOffset + ifdSize, dataOffset = bitsOffset + 2 * image.channels
        var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(ifdOffset) + le16(count)
        for e in entries(image, bitsOffset: bitsOffset, dataOffset: dataOffset) {
            out += le16(e.tag) + le16(e.type) + le32(e.count)
            out += e.type == 4 || (e.tag == 258 && e.count > 1) ? le32(e.value) : le16(e.value) + [0, 0]
        }
        out += le32(0)
        for _ in 0..<image.channels { out += le16(8) }
        return out + image.pixels
    }

    /// Sets an inline SHORT or LONG tag of the first IFD (bits per sample: each of the samples).
    public static func patch(_ tiff: inout [UInt8], tag: Int, value: Int) {
        let ifd = Int(tiff[4]) | Int(tiff[5]) << 8 | Int(tiff[6]) << 16 | Int(tiff[7]) << 24
        let count = Int(tiff[ifd]) | Int(tiff[ifd + 1]) << 8
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard Int(tiff[entry]) | Int(tiff[entry + 1]) << 8 == tag else { continue }
            let type = Int(tiff[entry + 2]), n = Int(tiff[entry + 4])
            if tag == 258 && n > 1 {
                let at = Int(tiff[entry + 8]) | Int(tiff[entry + 9]) << 8
                for k in 0..<n { tiff.replaceSubrange(at + 2 * k..<at + 2 * k + 2, with: le16(value)) }
            } else if type == 4 {
                tiff.replaceSubrange(entry + 8..<entry + 12, with: le32(value))
            } else {
                tiff.replaceSubrange(entry + 8..<entry + 10, with: le16(value))
            }
        }
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
