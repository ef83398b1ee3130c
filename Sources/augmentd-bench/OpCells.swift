import Augment
import Codecs
import Hashing
import Imaging

/// Operation cells with peers.py's names and parameters (ROT_DEG 30, SHIFT_FRAC 0.2, SHEAR_DEG 20,
/// ZOOM 0.8, BRIGHTNESS 1.2, CHANNEL_SHIFT 20, stretch p2–p98, CLAHE 8×8 tiles clip 0.01), on the
/// decoded RGB images.
func opCells(size: String, images: [Image]) -> [BenchCell] {
    let pixels = images[0].pixelCount
    var cells = [BenchCell]()
    func keras(_ op: String, _ variant: String, _ configure: @escaping (inout KerasParameters, Image) -> Void) {
        var transform = KerasTransform()
        cells.append(BenchCell(size: size, op: op, variant: variant, pixels: pixels, inputCount: images.count) { i in
            var p = KerasParameters()
            p.geometry = .keras   // the reference's geometry unless a cell says "(centered)"
            configure(&p, images[i])
            blackHole(transform.apply(p, to: images[i]).pixels.count)
        })
    }
    for mode in [FillMode.constant, .nearest, .reflect, .wrap] {
        keras("rotate30", mode.rawValue) { p, _ in
            p.theta = 30
            p.fillMode = mode
        }
    }
    // The daemon's default geometry: interior samples from the fixed-point sampler.
    for mode in [FillMode.constant, .nearest, .reflect, .wrap] {
        keras("rotate30", "\(mode.rawValue) (centered)") { p, _ in
            p.theta = 30
            p.fillMode = mode
            p.geometry = .centered
        }
    }
    keras("shift", "nearest") { p, image in
        p.tx = 0.2 * Double(image.width)
        p.ty = 0.2 * Double(image.height)
    }
    keras("shear", "nearest") { p, _ in p.shear = 20 }
    keras("zoom", "nearest") { p, _ in
        p.zx = 0.8
        p.zy = 0.8
    }
    keras("hflip", "") { p, _ in p.flipHorizontal = true }
    keras("brightness", "x1.2") { p, _ in p.brightness = 1.2 }
    keras("channel_shift", "+20") { p, _ in p.channelShiftIntensity = 20 }

    func inPlace(_ op: String, _ variant: String, _ body: @escaping (inout Image) -> Void) {
        cells.append(BenchCell(size: size, op: op, variant: variant, pixels: pixels, inputCount: images.count) { i in
            var image = images[i]
            body(&image)
            blackHole(image.pixels.count)
        })
    }
    inPlace("hist_equalize", "") { HistogramEqualization.apply(to: &$0) }
    inPlace("contrast_stretch", "p2-p98") { ContrastStretch.apply(to: &$0) }
    inPlace("clahe", "8x8 tiles") { AdaptiveEqualization.apply(to: &$0, clipLimit: 0.01) }
    return cells
}

/// peers.py's full pipeline cell: decode a JPEG, 8 variants (rotation ±20°, shifts ±0.2, zoom
/// 0.8–1.2, horizontal flip, contrast stretching always), each encoded as JPEG q90; one thread.
func pipelineCell(size: String, jpegFiles: [[UInt8]], pixels: Int) -> BenchCell {
    var profile = Profile()
    profile.variants = 8
    profile.rotationRange = 20
    profile.widthShiftRange = .uniform(0.2)
    profile.heightShiftRange = .uniform(0.2)
    profile.zoomRange = ZoomRange(low: 0.8, high: 1.2)
    profile.horizontalFlip = true
    profile.contrastStretching = 1
    profile.format = .jpeg
    profile.jpegQuality = 90
    let profileHash = profile.canonicalHash
    let decoder = ImageDecoder()
    var renderer = VariantRenderer()
    let hashes = jpegFiles.map { SHA256Digest.of($0) }
    return BenchCell(size: size, op: "pipeline", variant: "augmentd", pixels: pixels, inputCount: jpegFiles.count) { i in
        let image = try! decoder.decode(jpegFiles[i]).image
        var total = 0
        for k in 1...8 {
            let p = profile.drawParameters(contentHash: hashes[i], profileHash: profileHash, variant: k,
                                           width: image.width, height: image.height)
            total += try! ImageEncoder.encode(renderer.render(p, from: image), as: .jpeg(quality: 90)).count
        }
        blackHole(total)
    }
}
