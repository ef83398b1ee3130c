import Codecs

/// The files augmentd must refuse, each with the kind of error it must give. Generated here,
/// deterministically, so tests, the fuzzer's seed corpus and `scripts/` all use the same bytes.
public enum BadInputCorpus {
    /// The error class a bad file must produce.
    public enum Expected: Equatable, Sendable, CustomStringConvertible {
        case empty
        case unsupported(String)
        case truncated(ImageFormat)
        case corrupt(ImageFormat, containing: String?)
        case unsupportedFeature(ImageFormat, containing: String)
        case tooLarge

        public var description: String {
            switch self {
            case .empty: "empty"
            case .unsupported(let name): "unsupported(\(name))"
            case .truncated(let format): "truncated(\(format))"
            case .corrupt(let format, let text): "corrupt(\(format), \(text ?? "-"))"
            case .unsupportedFeature(let format, let text): "unsupportedFeature(\(format), \(text))"
            case .tooLarge: "tooLarge"
            }
        }

        /// Whether a decoder error is the one expected.
        public func matches(_ error: CodecError) -> Bool {
            switch (self, error) {
            case (.empty, .empty): return true
            case (.unsupported(let name), .unsupportedFormat(let actual)): return name == actual
            case (.truncated(let format), .truncated(let actual, _)): return format == actual
            case (.corrupt(let format, let text), .corrupt(let actual, let message)):
                return format == actual && (text.map { message.contains($0) } ?? true)
            case (.unsupportedFeature(let format, let text), .unsupportedFeature(let actual, let message)):
                return format == actual && message.contains(text)
            case (.tooLarge, .tooLarge): return true
            default: return false
            }
        }
    }

    public struct Entry: Sendable, CustomStringConvertible {
        /// A file name: the extension is deliberately often a lie.
        public let name: String
        public let bytes: [UInt8]
        public let expected: Expected
        public var description: String { name }
    }

    /// A valid 64×48 RGB PNG written by libpng at level 6 (so IDAT holds real deflate data).
    public static func validPNG() -> [UInt8] {
        try! ImageEncoder.encode(texture(width: 64, height: 48), as: .png(level: 6))
    }

    /// A valid 64×48 baseline (or progressive) JPEG.
    public static func validJPEG(progressive: Bool = false) -> [UInt8] {
        try! ImageEncoder.encode(texture(width: 64, height: 48), as: .jpeg(quality: 90, progressive: progressive))
    }

    static func texture(width: Int, height: Int) -> Image {
        var random = SplitMix64(state: 42)
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8((x * 4) & 0xFF), UInt8((y * 5) & 0xFF), UInt8(random.next(below: 256))]
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Offset of a PNG chunk's length field, found by walking the chunk list.
    public static func chunkOffset(_ png: [UInt8], _ type: String) -> Int? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: png[offset + 4..<offset + 8], as: UTF8.self) == type { return offset }
            offset += 12 + length
        }
        return nil
    }

    /// Offset of the first JPEG marker `0xFF code` (searching from the start).
    static func markerOffset(_ jpeg: [UInt8], _ code: UInt8) -> Int? {
        (2..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == code }
    }

    public static var entries: [Entry] {
        var list = [Entry]()
        let png = validPNG()
        let jpeg = validJPEG()
        let progressive = validJPEG(progressive: true)
        let idat = chunkOffset(png, "IDAT")!
        let idatLength = png[idat..<idat + 4].reduce(0) { $0 << 8 | Int($1) }

        list.append(Entry(name: "zero-bytes.png", bytes: [], expected: .empty))
        var random = SplitMix64(state: 7)
        let noise = (0..<4096).map { i in i == 0 ? UInt8(0x42) : UInt8(random.next(below: 256)) }
        list.append(Entry(name: "random-bytes.png", bytes: noise, expected: .unsupported("unknown")))
        list.append(Entry(name: "notes.jpg", bytes: Array("These are not the pixels you are looking for.\n".utf8),
                          expected: .unsupported("text")))
        list.append(Entry(name: "animation.png", bytes: Array("GIF89a".utf8) + [0x01, 0, 0x01, 0, 0x80, 0, 0],
                          expected: .unsupported("GIF")))
        list.append(Entry(name: "photo.jpg", bytes: Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8),
                          expected: .truncated(.webp)))
        list.append(Entry(name: "scan.png", bytes: [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0], expected: .truncated(.tiff)))
        list.append(Entry(name: "paper.jpg", bytes: Array("%PDF-1.7\n".utf8), expected: .unsupported("PDF")))
        list.append(Entry(name: "iphone.jpg", bytes: [0, 0, 0, 0x18] + Array("ftypheic".utf8) + [0, 0, 0, 0],
                          expected: .unsupported("HEIC")))

        // Truncations: inside the signature, IHDR, before IDAT, inside IDAT, without IEND.
        for cut in [4, 20, 33, idat + 4, idat + 8 + idatLength / 2, png.count - 12, png.count - 1] {
            list.append(Entry(name: "cut-at-\(cut).png", bytes: Array(png[0..<cut]), expected: .truncated(.png)))
        }
        for cut in [2, 11, 160, jpeg.count / 2, jpeg.count - 2] {
            list.append(Entry(name: "cut-at-\(cut).jpg", bytes: Array(jpeg[0..<cut]), expected: .truncated(.jpeg)))
        }
        list.append(Entry(name: "progressive-cut.jpg", bytes: Array(progressive[0..<progressive.count * 2 / 3]),
                          expected: .truncated(.jpeg)))

        // Damage: CRC of IDAT and IHDR, deflate data, JPEG headers.
        var badIDATCRC = png
        badIDATCRC[idat + 8 + idatLength + 3] ^= 0xFF
        list.append(Entry(name: "bad-crc-idat.png", bytes: badIDATCRC, expected: .corrupt(.png, containing: "CRC error in IDAT")))
        var badIHDRCRC = png
        badIHDRCRC[8 + 8 + 13 + 3] ^= 0xFF
        list.append(Entry(name: "bad-crc-ihdr.png", bytes: badIHDRCRC, expected: .corrupt(.png, containing: "CRC error in IHDR")))
        var badDeflate = png
        for i in 0..<16 { badDeflate[idat + 8 + 2 + i] ^= 0x5A }
        let fixedCRC = crc32(Array(badDeflate[idat + 4..<idat + 8 + idatLength]))
        badDeflate.replaceSubrange(idat + 8 + idatLength..<idat + 12 + idatLength, with: be32(Int(fixedCRC)))
        list.append(Entry(name: "bad-deflate.png", bytes: badDeflate, expected: .corrupt(.png, containing: nil)))
        var badHeader = png
        badHeader[8 + 8 + 8] = 7 // bit depth 7 does not exist
        let headerCRC = crc32(Array(badHeader[12..<29]))
        badHeader.replaceSubrange(29..<33, with: be32(Int(headerCRC)))
        list.append(Entry(name: "bad-bit-depth.png", bytes: badHeader, expected: .corrupt(.png, containing: nil)))

        let sof = markerOffset(jpeg, 0xC0)!
        var zeroComponents = jpeg
        zeroComponents[sof + 9] = 0
        list.append(Entry(name: "no-components.jpg", bytes: zeroComponents, expected: .corrupt(.jpeg, containing: nil)))
        let sos = markerOffset(jpeg, 0xDA)!
        var badHuffman = jpeg
        let dht = markerOffset(jpeg, 0xC4)!
        for i in dht + 5..<dht + 21 { badHuffman[i] = 0 } // no codes at all in the first table
        list.append(Entry(name: "bad-huffman.jpg", bytes: badHuffman, expected: .corrupt(.jpeg, containing: nil)))
        _ = sos

        // Decompression bombs: huge sizes in otherwise tiny files.
        var bombPNG = TestPNG(width: 1, height: 1, colorType: .rgb, bitDepth: 8, samples: [0, 0, 0]).encoded()
        bombPNG.replaceSubrange(16..<24, with: be32(100_000) + be32(100_000))
        bombPNG.replaceSubrange(29..<33, with: be32(Int(crc32(Array(bombPNG[12..<29])))))
        list.append(Entry(name: "bomb-100000x100000.png", bytes: bombPNG, expected: .tooLarge))
        var bombJPEG = jpeg
        bombJPEG.replaceSubrange(sof + 5..<sof + 9, with: be16(60_000) + be16(60_000))
        list.append(Entry(name: "bomb-60000x60000.jpg", bytes: bombJPEG, expected: .tooLarge))
        list += webpEntries() + tiffEntries()
        return list
    }

    /// A valid 64×48 lossy (or lossless) WebP from libwebp's encoder.
    public static func validWebP(lossless: Bool = false) -> [UInt8] {
        try! ImageEncoder.encode(texture(width: 64, height: 48), as: .webp(quality: 80, lossless: lossless))
    }

    /// A valid 64×48 RGB TIFF, uncompressed strips, from the tests' own writer.
    public static func validTIFF() -> [UInt8] {
        TestTIFF.encoded(texture(width: 64, height: 48))
    }

    static func webpEntries() -> [Entry] {
        var list = [Entry]()
        let lossy = validWebP(), lossless = validWebP(lossless: true)
        for cut in [11, 24, lossy.count / 2, lossy.count - 3] {
            list.append(Entry(name: "cut-at-\(cut).webp", bytes: Array(lossy[0..<cut]), expected: .truncated(.webp)))
        }
        list.append(Entry(name: "lossless-cut.webp", bytes: Array(lossless[0..<lossless.count * 2 / 3]), expected: .truncated(.webp)))
        // The VP8 frame's start code (9d 01 2a, after RIFF, "VP8 ", its size and the 3-byte frame tag).
        var badStartCode = lossy
        badStartCode[23] = 0
        list.append(Entry(name: "bad-start-code.webp", bytes: badStartCode, expected: .corrupt(.webp, containing: nil)))
        // A lossless image's header says 16384×16384 (14-bit sizes minus one, after the 0x2f signature).
        var bomb = lossless
        var bits = bomb[21..<25].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        bits = bits & ~UInt32(0x0FFF_FFFF) | 16383 | 16383 << 14
        for i in 0..<4 { bomb[21 + i] = UInt8((bits >> (8 * UInt32(i))) & 0xFF) }
        list.append(Entry(name: "bomb-16384x16384.webp", bytes: bomb, expected: .tooLarge))
        return list
    }

    static func tiffEntries() -> [Entry] {
        var list = [Entry]()
        let tiff = validTIFF()
        for cut in [6, 40, tiff.count / 2, tiff.count - 1] {
            list.append(Entry(name: "cut-at-\(cut).tif", bytes: Array(tiff[0..<cut]), expected: .truncated(.tiff)))
        }
        var sevenBits = tiff
        TestTIFF.patch(&sevenBits, tag: 258, value: 7)
        list.append(Entry(name: "seven-bit-samples.tif", bytes: sevenBits, expected: .unsupportedFeature(.tiff, containing: "7-bit")))
        var badCompression = tiff
        TestTIFF.patch(&badCompression, tag: 259, value: 12345)
        list.append(Entry(name: "unknown-compression.tif", bytes: badCompression, expected: .unsupportedFeature(.tiff, containing: "compression scheme 12345")))
        var bomb = tiff
        TestTIFF.patch(&bomb, tag: 256, value: 60000)
        TestTIFF.patch(&bomb, tag: 257, value: 60000)
        list.append(Entry(name: "bomb-60000x60000.tif", bytes: bomb, expected: .tooLarge))
        return list
    }
}

public func be16(_ value: Int) -> [UInt8] { [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
