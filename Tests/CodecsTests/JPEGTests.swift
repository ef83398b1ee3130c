import Codecs
import Testing
import TestSupport

/// JPEG encode → decode through libjpeg-turbo, and EXIF orientation from APP1.
struct JPEGTests {
    /// A smooth test picture: gradients plus a soft bump, the kind of content JPEG keeps well.
    static func smoothImage(width: Int, height: Int, channels: Int) -> Image {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x - width / 2), dy = Double(y - height / 2)
                let bump = 80 * (1 / (1 + (dx * dx + dy * dy) / 400))
                let values = [
                    Double(x * 200 / max(width - 1, 1)) + bump / 4,
                    Double(y * 200 / max(height - 1, 1)) + bump / 3,
                    120 + bump,
                    Double((x + y) * 255 / max(width + height - 2, 1)),
                ]
                for c in 0..<channels { pixels.append(UInt8(min(255, values[c]))) }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func differences(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, mean: Double) {
        var maxDiff = 0, total = 0
        for i in 0..<min(a.count, b.count) {
            let d = abs(Int(a[i]) - Int(b[i]))
            maxDiff = max(maxDiff, d)
            total += d
        }
        return (maxDiff, Double(total) / Double(max(a.count, 1)))
    }

    /// Tolerance stated in the README: at quality 95, mean |diff| ≤ 1.5 and max ≤ 16 on smooth content.
    @Test(arguments: [(1, false), (3, false), (3, true)])
    func roundTripStaysWithinTolerance(channels: Int, progressive: Bool) throws {
        let original = Self.smoothImage(width: 67, height: 45, channels: channels)
        let bytes = try ImageEncoder.encode(original, as: .jpeg(quality: 95, progressive: progressive))
        let (decoded, info) = try ImageDecoder().decode(bytes)
        #expect(info.format == .jpeg)
        #expect(info.interlaced == progressive)
        #expect(decoded.width == 67 && decoded.height == 45 && decoded.channels == channels)
        let diff = Self.differences(original.pixels, decoded.pixels)
        #expect(diff.mean <= 1.5, "mean \(diff.mean)")
        #expect(diff.max <= 16, "max \(diff.max)")
    }

    @Test func lowerQualityMakesSmallerFiles() throws {
        let image = Self.smoothImage(width: 128, height: 96, channels: 3)
        let small = try ImageEncoder.encode(image, as: .jpeg(quality: 20))
        let large = try ImageEncoder.encode(image, as: .jpeg(quality: 98))
        #expect(small.count < large.count)
    }

    @Test func rgbaIsWrittenWithoutAlpha() throws {
        let rgba = Self.smoothImage(width: 32, height: 32, channels: 4)
        let (decoded, _) = try ImageDecoder().decode(try ImageEncoder.encode(rgba, as: .jpeg(quality: 95)))
        #expect(decoded.channels == 3)
        let rgb = Self.smoothImage(width: 32, height: 32, channels: 3)
        #expect(Self.differences(rgb.pixels, decoded.pixels).mean <= 1.5)
    }

    @Test(arguments: [0, 101])
    func qualityOutOfRangeIsRefused(_ quality: Int) {
        #expect(throws: CodecError.self) {
            try ImageEncoder.encode(Self.smoothImage(width: 8, height: 8, channels: 3), as: .jpeg(quality: quality))
        }
    }

    // MARK: EXIF orientation

    /// The upright picture: 2 rows × 3 columns of 16-pixel blocks, six distinct colours.
    static let upright: [[[UInt8]]] = [
        [[230, 20, 20], [20, 200, 20], [20, 20, 230]],
        [[240, 240, 240], [20, 20, 20], [230, 200, 20]],
    ]

    /// What a camera stores for a picture that must be shown upright with this orientation:
    /// the inverse of the display transform, written with plain grid operations.
    static func storedGrid(for orientation: Int) -> [[[UInt8]]] {
        let g = upright
        let rows = g.count, cols = g[0].count
        func transpose(_ g: [[[UInt8]]]) -> [[[UInt8]]] { (0..<cols).map { c in (0..<rows).map { r in g[r][c] } } }
        func mirror(_ g: [[[UInt8]]]) -> [[[UInt8]]] { g.map { $0.reversed() } }
        func flip(_ g: [[[UInt8]]]) -> [[[UInt8]]] { g.reversed() }
        switch orientation {
        case 1: return g
        case 2: return mirror(g)                 // display = mirror(stored)
        case 3: return flip(mirror(g))           // display = rotate180(stored)
        case 4: return flip(g)                   // display = flip(stored)
        case 5: return transpose(g)              // display = transpose(stored)
        // rotate90ccw(g) = flip(transpose(g)); rotate90cw(g) = mirror(transpose(g)).
        case 6: return flip(transpose(g))        // display = rotate90cw(stored) → stored = rotate90ccw(display)
        case 7: return flip(mirror(transpose(g)))  // transverse, its own inverse
        default: return mirror(transpose(g))     // 8: display = rotate90ccw(stored) → stored = rotate90cw(display)
        }
    }

    static func render(_ grid: [[[UInt8]]], block: Int = 16) -> Image {
        let rows = grid.count, cols = grid[0].count
        var image = Image(width: cols * block, height: rows * block, channels: 3)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let colour = grid[y / block][x / block]
                for c in 0..<3 { image.pixels[(y * image.width + x) * 3 + c] = colour[c] }
            }
        }
        return image
    }

    /// A TIFF structure with IFD0 holding only Orientation.
    static func exifTIFF(orientation: Int, bigEndian: Bool) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { bigEndian ? be32(v) : be32(v).reversed() }
        return (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
    }

    static func insertingEXIF(into jpeg: [UInt8], orientation: Int, bigEndian: Bool) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + exifTIFF(orientation: orientation, bigEndian: bigEndian)
        let segment: [UInt8] = [0xFF, 0xE1] + be16(payload.count + 2) + payload
        return Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }

    static func expectUpright(_ image: Image, tolerance: Int) {
        #expect(image.width == 48 && image.height == 32)
        guard image.width == 48 && image.height == 32 else { return }
        for r in 0..<2 {
            for c in 0..<3 {
                let pixel = Array(image.pixel(x: c * 16 + 8, y: r * 16 + 8))
                let expected = upright[r][c]
                let worst = zip(pixel, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
                #expect(worst <= tolerance, "block (\(r), \(c)) is \(pixel), expected \(expected)")
            }
        }
    }

    @Test(arguments: 1...8, [false, true])
    func jpegOrientationIsApplied(orientation: Int, bigEndian: Bool) throws {
        let stored = Self.render(Self.storedGrid(for: orientation))
        let jpeg = try ImageEncoder.encode(stored, as: .jpeg(quality: 95))
        let bytes = Self.insertingEXIF(into: jpeg, orientation: orientation, bigEndian: bigEndian)
        let decoder = ImageDecoder()
        let info = try decoder.probe(bytes)
        #expect(info.orientation.rawValue == orientation)
        #expect(info.storedWidth == stored.width && info.storedHeight == stored.height)
        #expect(info.width == 48 && info.height == 32)
        Self.expectUpright(try decoder.decode(bytes).image, tolerance: 12)
    }

    @Test(arguments: 1...8)
    func pngEXIfOrientationIsAppliedExactly(orientation: Int) throws {
        let stored = Self.render(Self.storedGrid(for: orientation))
        var png = TestPNG(width: stored.width, height: stored.height, colorType: .rgb, bitDepth: 8,
                          samples: stored.pixels.map(Int.init))
        png.extraChunksBeforeIDAT = [("eXIf", Self.exifTIFF(orientation: orientation, bigEndian: orientation % 2 == 0))]
        Self.expectUpright(try ImageDecoder().decode(png.encoded()).image, tolerance: 0)
    }

    @Test func invalidOrientationValueMeansUpright() throws {
        let stored = Self.render(Self.upright)
        let jpeg = try ImageEncoder.encode(stored, as: .jpeg(quality: 95))
        let bytes = Self.insertingEXIF(into: jpeg, orientation: 9, bigEndian: false)
        #expect(try ImageDecoder().probe(bytes).orientation == .up)
    }
}
