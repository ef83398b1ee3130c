import Codecs

/// Codec cells matching peers.py's: decode the same files, encode the decoded pixels.
func codecCells(size: String, jpegFiles: [[UInt8]], pngFiles: [[UInt8]]) -> [BenchCell] {
    let decoder = ImageDecoder()
    let images = jpegFiles.map { try! decoder.decode($0).image }
    let pixels = images[0].pixelCount
    func cell(_ op: String, _ variant: String, _ count: Int, _ body: @escaping (Int) -> Void) -> BenchCell {
        BenchCell(size: size, op: op, variant: variant, pixels: pixels, inputCount: count, body: body)
    }
    var cells = [
        cell("jpeg_decode", "", jpegFiles.count) { i in blackHole(try! decoder.decode(jpegFiles[i]).image.pixels.count) },
        cell("jpeg_encode", "q90 4:2:0", images.count) { i in
            blackHole(try! ImageEncoder.encode(images[i], as: .jpeg(quality: 90)).count)
        },
    ]
    if !pngFiles.isEmpty {
        cells += [
            cell("png_decode", "", pngFiles.count) { i in blackHole(try! decoder.decode(pngFiles[i]).image.pixels.count) },
            cell("png_encode", "lib default", images.count) { i in
                blackHole(try! ImageEncoder.encode(images[i], as: .png()).count)
            },
            cell("png_encode", "zlib level 6", images.count) { i in
                blackHole(try! ImageEncoder.encode(images[i], as: .png(level: 6)).count)
            },
        ]
    }
    return cells
}

/// Keeps the optimiser from deleting work whose result is otherwise unused.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
