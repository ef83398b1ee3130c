/// An independent PNG writer for tests: any colour type, bit depth, palette, tRNS and Adam7,
/// with stored (uncompressed) deflate blocks, so libpng's decoder is checked against code
/// that shares nothing with it.
public struct TestPNG {
    public enum ColorType: UInt8, Sendable { case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6 }

    public var width: Int
    public var height: Int
    public var colorType: ColorType
    public var bitDepth: Int
    /// Samples row by row, `samplesPerPixel` per pixel, each in 0 ..< 2^bitDepth.
    public var samples: [Int]
    public var palette: [(UInt8, UInt8, UInt8)] = []
    public var transparency: [UInt8]? = nil          // raw tRNS payload
    public var interlaced = false
    public var extraChunksBeforeIDAT: [(String, [UInt8])] = []

    public init(width: Int, height: Int, colorType: ColorType, bitDepth: Int, samples: [Int]) {
        self.width = width
        self.height = height
        self.colorType = colorType
        self.bitDepth = bitDepth
        self.samples = samples
    }

    public var samplesPerPixel: Int {
        switch colorType {
        case .grey, .palette: 1
        case .greyAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        ihdr += be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", ihdr)
        for (name, payload) in extraChunksBeforeIDAT { out += chunk(name, payload) }
        if colorType == .palette {
            out += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] })
        }
        if let transparency { out += chunk("tRNS", transparency) }
        out += chunk("IDAT", zlibStored(filteredData()))
        out += chunk("IEND", [])
        return out
    }

    /// Scanlines (filter type 0) of the whole image, or of the seven Adam7 passes.
    private func filteredData() -> [UInt8] {
        guard interlaced else { return scanlines(xs: Array(0..<width), ys: Array(0..<height)) }
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var data = [UInt8]()
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx))
            let ys = Array(stride(from: y0, to: height, by: dy))
            if xs.isEmpty || ys.isEmpty { continue }
            data += scanlines(xs: xs, ys: ys)
        }
        return data
    }

    private func scanlines(xs: [Int], ys: [Int]) -> [UInt8] {
        var data = [UInt8]()
        for y in ys {
            data.append(0)
            var bits = BitPacker()
            for x in xs {
                for s in 0..<samplesPerPixel {
                    let value = samples[(y * width + x) * samplesPerPixel + s]
                    if bitDepth == 16 {
                        bits.bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                    } else {
                        bits.append(value, bits: bitDepth)
                    }
                }
            }
            data += bits.finished()
        }
        return data
    }

    private func chunk(_ name: String, _ payload: [UInt8]) -> [UInt8] {
        let typeAndData = Array(name.utf8) + payload
        return be32(payload.count) + typeAndData + be32(Int(crc32(typeAndData)))
    }
}

public struct BitPacker {
    public var bytes = [UInt8]()
    public init() {}
    private var current = 0
    private var used = 0

    public mutating func append(_ value: Int, bits: Int) {
        current = (current << bits) | value
        used += bits
        if used == 8 {
            bytes.append(UInt8(current))
            current = 0
            used = 0
        }
    }

    public func finished() -> [UInt8] {
        used == 0 ? bytes : bytes + [UInt8(current << (8 - used))]
    }
}

public func be32(_ value: Int) -> [UInt8] {
    [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

public func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}

/// A zlib stream of stored deflate blocks (no compression) with its Adler-32.
public func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let count = min(65535, data.count - offset)
        let final: UInt8 = offset + count == data.count ? 1 : 0
        out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
        out += data[offset..<offset + count]
        offset += count
    } while offset < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return out + be32(Int((b << 16) | a))
}
