import Augment
import Codecs
import Hashing

/// One rendered and encoded variant, ready to be written.
public struct EncodedVariant: Sendable {
    public let index: Int
    public let parameters: VariantParameters
    public let format: ImageFormat
    public let bytes: [UInt8]
}

/// Decodes an original once and renders its variants under a profile. Holds per-worker
/// scratch memory: make one per worker.
public struct VariantFactory {
    private var renderer = VariantRenderer()
    public let decoder: ImageDecoder

    public init(limits: DecodeLimits) {
        decoder = ImageDecoder(limits: limits)
    }

    /// Variants `ks` of an original whose content hash is `hash`.
    public mutating func variants(of image: Image, format original: ImageFormat, losslessOriginal: Bool = false,
                                  hash: SHA256Digest, profile: Profile, profileHash: SHA256Digest,
                                  indices ks: some Sequence<Int>) throws(CodecError) -> [EncodedVariant] {
        let options = profile.encodeOptions(forOriginal: original, lossless: losslessOriginal)
        var out = [EncodedVariant]()
        for k in ks {
            let parameters = profile.drawParameters(contentHash: hash, profileHash: profileHash, variant: k,
                                                    width: image.width, height: image.height)
            let rendered = renderer.render(parameters, from: image)
            let bytes = try ImageEncoder.encode(rendered, as: options)
            out.append(EncodedVariant(index: k, parameters: parameters, format: options.format, bytes: bytes))
        }
        return out
    }
}
