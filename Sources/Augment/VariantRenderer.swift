import Codecs

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
