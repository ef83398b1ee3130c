import Codecs
import Testing
import TestSupport

/// Every PNG colour type and bit depth, plain and Adam7, with and without tRNS, decoded by
/// libpng and compared with what the PNG specification says the 8-bit pixels must be.
struct PNGDecodeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let colorType: TestPNG.ColorType
        let bitDepth: Int
        let transparency: Bool
        let interlaced: Bool
        var testDescription: String {
            "type \(colorType) \(bitDepth)-bit\(transparency ? " +tRNS" : "")\(interlaced ? " Adam7" : "")"
        }
    }

    static let cases: [Case] = {
        let combos: [(TestPNG.ColorType, [Int], Bool)] = [
            (.grey, [1, 2, 4, 8, 16], true), (.rgb, [8, 16], true), (.palette, [1, 2, 4, 8], true),
            (.greyAlpha, [8, 16], false), (.rgba, [8, 16], false),
        ]
        var cases = [Case]()
        for (type, depths, allowsTRNS) in combos {
            for depth in depths {
                for interlaced in [false, true] {
                    cases.append(Case(colorType: type, bitDepth: depth, transparency: false, interlaced: interlaced))
                    if allowsTRNS {
                        cases.append(Case(colorType: type, bitDepth: depth, transparency: true, interlaced: interlaced))
                    }
                }
            }
        }
        return cases
    }()

    @Test(arguments: cases)
    func decodesToTheSpecifiedEightBitPixels(_ testCase: Case) throws {
        let (png, expected) = Self.fixture(testCase)
        let (image, info) = try ImageDecoder().decode(png.encoded())
        #expect(info.format == .png)
        #expect(info.interlaced == testCase.interlaced)
        #expect(info.bitDepth == testCase.bitDepth)
        #expect(image.width == png.width && image.height == png.height)
        #expect(image.channels == expected.channels)
        #expect(image.pixels == expected.pixels)
    }

    /// Builds a 13×11 image of pseudo-random samples and the pixels libpng must produce.
    static func fixture(_ testCase: Case) -> (TestPNG, (channels: Int, pixels: [UInt8])) {
        let width = 13, height = 11
        let depth = testCase.bitDepth
        let maxSample = (1 << depth) - 1
        var random = SplitMix64(state: UInt64(depth * 31 + Int(testCase.colorType.rawValue)))
        var png = TestPNG(width: width, height: height, colorType: testCase.colorType, bitDepth: depth, samples: [])
        png.interlaced = testCase.interlaced
        let paletteSize = min(1 << depth, 200)
        if testCase.colorType == .palette {
            png.palette = (0..<paletteSize).map { _ in
                (UInt8(random.next(below: 256)), UInt8(random.next(below: 256)), UInt8(random.next(below: 256)))
            }
        }
        let sampleCount = width * height * png.samplesPerPixel
        png.samples = (0..<sampleCount).map { _ in
            testCase.colorType == .palette ? random.next(below: paletteSize) : random.next(below: maxSample + 1)
        }
        // Make a few pixels hit the transparent colour exactly.
        var transparentKey = [Int]()
        if testCase.transparency {
            switch testCase.colorType {
            case .grey:
                transparentKey = [png.samples[5]]
                png.transparency = be16(transparentKey[0])
            case .rgb:
                transparentKey = Array(png.samples[0..<3])
                for pixel in [7, 20, 33] { png.samples.replaceSubrange(pixel * 3..<pixel * 3 + 3, with: transparentKey) }
                png.transparency = transparentKey.flatMap(be16)
            case .palette:
                png.transparency = (0..<min(paletteSize, 5)).map { UInt8($0 * 50) }
            default:
                break
            }
        }

        func to8(_ v: Int) -> UInt8 {
            switch depth {
            case 16:
                // libpng's png_set_scale_16 arithmetic (pngrtran.c, png_do_scale_16_to_8).
                let high = v >> 8, low = v & 0xFF
                return UInt8(high + (((low - high + 128) * 65535) >> 24))
            case 8: return UInt8(v)
            default: return UInt8(v * (255 / maxSample))
            }
        }
        var pixels = [UInt8]()
        var channels = 0
        for p in 0..<(width * height) {
            let s = Array(png.samples[p * png.samplesPerPixel..<(p + 1) * png.samplesPerPixel])
            switch testCase.colorType {
            case .grey where testCase.transparency:
                channels = 4
                pixels += [to8(s[0]), to8(s[0]), to8(s[0]), s[0] == transparentKey[0] ? 0 : 255]
            case .grey:
                channels = 1
                pixels.append(to8(s[0]))
            case .greyAlpha:
                channels = 4
                pixels += [to8(s[0]), to8(s[0]), to8(s[0]), to8(s[1])]
            case .rgb where testCase.transparency:
                channels = 4
                pixels += s.map(to8) + [s == transparentKey ? 0 : 255]
            case .rgb:
                channels = 3
                pixels += s.map(to8)
            case .rgba:
                channels = 4
                pixels += s.map(to8)
            case .palette:
                let entry = png.palette[s[0]]
                pixels += [entry.0, entry.1, entry.2]
                channels = 3
                if let alpha = png.transparency {
                    channels = 4
                    pixels.append(s[0] < alpha.count ? alpha[s[0]] : 255)
                }
            }
        }
        return (png, (channels, pixels))
    }
}

