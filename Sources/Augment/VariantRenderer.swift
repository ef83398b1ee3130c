import Codecs
import Foundation
import Hashing

/// Renders variants in DESIGN.md's order: affine → channel shift → flips → brightness →
/// contrast stretching → adaptive equalization → histogram equalization, handing 8-bit
/// images from step to step. Holds scratch memory: one per worker.
public struct VariantRenderer {
    private var keras = KerasTransform()

    public init() {}

    public mutating func render(_ parameters: VariantParameters, from original: Image) -> Image {
        var image = keras.apply(parameters.keras, to: original)
        if parameters.contrastStretching { ContrastStretch.apply(to: &image) }
        if parameters.adaptiveEqualization {
            AdaptiveEqualization.apply(to: &image, clipLimit: parameters.adaptiveClipLimit)
        }
        if parameters.histogramEqualization { HistogramEqualization.apply(to: &image) }
        return image
    }
}

extension Profile {
    /// A hash of every setting, in a canonical encoding: variant seeds depend on it, so a
    /// changed profile yields new variants while an unchanged one reproduces the old bytes.
    public var canonicalHash: SHA256Digest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)) ?? Data()
        return SHA256Digest.of(Array("augmentd-profile-v1\n".utf8) + Array(body))
    }
}
