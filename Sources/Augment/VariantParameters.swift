import Hashing

/// Everything drawn for one variant: the Keras transform and which contrast steps run.
/// Kept in the ledger so any variant can be explained and re-rendered.
public struct VariantParameters: Sendable, Equatable, Codable {
    public var keras: KerasParameters
    public var contrastStretching: Bool
    public var adaptiveEqualization: Bool
    public var histogramEqualization: Bool
    public var adaptiveClipLimit: Double

    enum CodingKeys: String, CodingKey {
        case keras
        case contrastStretching = "contrast_stretching"
        case adaptiveEqualization = "adaptive_equalization"
        case histogramEqualization = "histogram_equalization"
        case adaptiveClipLimit = "adaptive_clip_limit"
    }
}

extension Profile {
    /// Draws the parameters of variant `k` (1-based) of an image with this content hash, with
    /// the meaning Keras gives its ranges (SEMANTICS.md §6) and our own seeded generator.
    public func drawParameters(contentHash: SHA256Digest, profileHash: SHA256Digest, variant k: Int,
                               width: Int, height: Int) -> VariantParameters {
        var random = SeededRandom(contentHash: contentHash, profileHash: profileHash, variant: k)
        var p = KerasParameters()
        p.geometry = geometry
        p.fillMode = fillMode
        p.cval = cval
        p.theta = rotationRange != 0 ? random.uniform(-rotationRange, rotationRange) : 0
        // Keras draws tx from height_shift_range scaled by H and applies it along columns;
        // the centered geometry draws horizontal shifts from width_shift_range scaled by W.
        switch geometry {
        case .keras:
            p.tx = Self.drawShift(heightShiftRange, size: height, &random)
            p.ty = Self.drawShift(widthShiftRange, size: width, &random)
        case .centered:
            p.tx = Self.drawShift(widthShiftRange, size: width, &random)
            p.ty = Self.drawShift(heightShiftRange, size: height, &random)
        }
        p.shear = shearRange != 0 ? random.uniform(-shearRange, shearRange) : 0
        if zoomRange.low == 1 && zoomRange.high == 1 {
            (p.zx, p.zy) = (1, 1)
        } else {
            p.zx = random.uniform(zoomRange.low, zoomRange.high)
            p.zy = random.uniform(zoomRange.low, zoomRange.high)
        }
        p.flipHorizontal = random.unit() < 0.5 && horizontalFlip
        p.flipVertical = random.unit() < 0.5 && verticalFlip
        p.channelShiftIntensity = channelShiftRange != 0 ? random.uniform(-channelShiftRange, channelShiftRange) : nil
        p.brightness = brightnessRange.map { random.uniform($0.low, $0.high) }
        // The contrast steps: one draw each, always made, so adding one keeps the others stable.
        let stretch = random.unit() < contrastStretching
        let adaptive = random.unit() < adaptiveEqualization
        let equalize = random.unit() < histogramEqualization
        return VariantParameters(keras: p, contrastStretching: stretch, adaptiveEqualization: adaptive,
                                 histogramEqualization: equalize, adaptiveClipLimit: adaptiveClipLimit)
    }

    static func drawShift(_ range: ShiftRange, size: Int, _ random: inout SeededRandom) -> Double {
        if range.isNone { return 0 }
        var shift: Double
        switch range {
        case .uniform(let r):
            shift = random.uniform(-r, r)
        case .choice(let values):
            shift = values[random.index(below: values.count)]
            shift *= random.unit() < 0.5 ? -1 : 1
        }
        if range.isFraction { shift *= Double(size) }
        return shift
    }
}
