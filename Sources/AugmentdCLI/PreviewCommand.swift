import ArgumentParser
import Codecs
import Foundation
import Hashing
import Ingest
import LinuxSystem

/// `augmentd preview IMAGE --config FILE --profile P --out sheet.png`: a contact sheet of the
/// original and its variants, to see a profile before turning it loose.
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Write a contact sheet PNG: the original first, then its variants under a profile.")

    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "Where to write the sheet (PNG).")
    var out: String

    @Option(help: "How many variants to show.")
    var count: Int = 15

    @Argument(help: "The image to preview.")
    var image: String

    func validate() throws {
        if !(1...200).contains(count) { throw ValidationError("--count must be from 1 to 200") }
    }

    func run() throws {
        let (configuration, profile) = try profileOptions.load()
        let limits = DecodeLimits(maxPixels: configuration.daemon.maxPixels)
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(image) } catch { throw CLIErrors.Failure(description: "\(image): \(error)") }
        let hash = SHA256Digest.of(bytes)
        var factory = VariantFactory(limits: limits)
        let (original, info) = try CLIErrors.decode(bytes, path: image, decoder: factory.decoder)
        // Lossless variants for the sheet: what the profile renders, before its own encoding.
        var pngProfile = profile
        pngProfile.format = .png
        pngProfile.pngCompression = 0
        let variants = try factory.variants(of: original, format: info.format, hash: hash, profile: pngProfile,
                                            profileHash: profile.canonicalHash, indices: 1...count)
        var tiles = [original]
        for v in variants { tiles.append(try factory.decoder.decode(v.bytes).image) }
        try CLIErrors.writeImage(ContactSheet.make(tiles), to: out, as: .png())
        print("\(out): original and \(count) variants of \(image) under profile \"\(profileOptions.profile)\"")
    }
}

extension CLIErrors {
    static func decode(_ bytes: [UInt8], path: String, decoder: ImageDecoder) throws -> (Image, ImageInfo) {
        do {
            return try decoder.decode(bytes)
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }
}

/// Lays images out in a grid of equal cells, each scaled down (area average) to fit.
enum ContactSheet {
    static func make(_ images: [Image], cell: Int = 256, columns: Int = 4, gap: Int = 4) -> Image {
        let rows = (images.count + columns - 1) / columns
        let width = columns * cell + (columns + 1) * gap
        let height = rows * cell + (rows + 1) * gap
        var sheet = Image(width: width, height: height, channels: 3, pixels: [UInt8](repeating: 40, count: width * height * 3))
        for (i, image) in images.enumerated() {
            let scale = min(1, Double(cell) / Double(max(image.width, image.height)))
            let w = max(1, Int(Double(image.width) * scale)), h = max(1, Int(Double(image.height) * scale))
            let x0 = gap + (i % columns) * (cell + gap) + (cell - w) / 2
            let y0 = gap + (i / columns) * (cell + gap) + (cell - h) / 2
            for y in 0..<h {
                let sy0 = y * image.height / h, sy1 = max(sy0 + 1, (y + 1) * image.height / h)
                for x in 0..<w {
                    let sx0 = x * image.width / w, sx1 = max(sx0 + 1, (x + 1) * image.width / w)
                    var sum = [0, 0, 0, 0]
                    for sy in sy0..<sy1 {
                        for sx in sx0..<sx1 {
                            let p = (sy * image.width + sx) * image.channels
                            for c in 0..<image.channels { sum[c] += Int(image.pixels[p + c]) }
                        }
                    }
                    let n = (sy1 - sy0) * (sx1 - sx0)
                    let rgb = image.channels >= 3 ? [sum[0], sum[1], sum[2]] : [sum[0], sum[0], sum[0]]
                    let alpha = image.channels == 4 ? sum[3] / n : 255
                    let q = ((y0 + y) * width + x0 + x) * 3
                    for c in 0..<3 {
                        // Alpha over the sheet's grey background.
                        sheet.pixels[q + c] = UInt8((rgb[c] / n * alpha + 40 * (255 - alpha)) / 255)
                    }
                }
            }
        }
        return sheet
    }
}
