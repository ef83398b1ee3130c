import Augment
import Codecs
import Foundation
import Hashing
import Ledger

/// One rendered and encoded variant, ready to be written.
public struct EncodedVariant: Sendable {
    public let index: Int
    public let parameters: VariantParameters
    public let format: ImageFormat
    public let bytes: [UInt8]

    /// What the ledger records for this variant written at `path` (parameters as sorted-key JSON).
    func record(path: String) throws -> VariantRecord { try header.record(path: path) }

    /// The variant without its bytes.
    var header: EncodedVariantHeader { EncodedVariantHeader(index: index, parameters: parameters, format: format) }
}

/// What a variant's ledger record is made from, once its bytes are written.
struct EncodedVariantHeader: Sendable {
    let index: Int
    let parameters: VariantParameters
    let format: ImageFormat

    func record(path: String) throws -> VariantRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return VariantRecord(index: index, path: path, format: format.rawValue,
                             parametersJSON: String(decoding: try encoder.encode(parameters), as: UTF8.self))
    }
}

extension Profile {
    /// The profile an original was claimed with: the one recorded with it, else a configured one
    /// with the recorded hash; nil when none has that hash any more.
    static func recorded(for record: OriginalRecord, candidates others: [Profile]) -> Profile? {
        var candidates = [Profile]()
        if let json = record.profileJSON, let recorded = try? JSONDecoder().decode(Profile.self, from: Data(json.utf8)) {
            candidates.append(recorded)
        }
        return (candidates + others).first { $0.canonicalHash.hex == record.profileHash }
    }
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
