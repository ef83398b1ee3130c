import Augment
import Codecs
import Hashing
import Ledger
import LinuxSystem

/// Writes an original's variants into its dataset folder, the one way the daemon, crash repair
/// and `augment` do it: rendered one at a time (one encoded variant in memory), each written
/// atomically (temp, fsync, rename) without a folder fsync; the caller puts the original in last,
/// and that write (or move) makes every name in the folder durable with one fsync.
struct VariantWriter {
    let profile: Profile
    let profileHash: SHA256Digest
    let layout: DatasetLayout

    /// What to do with a variant already at its name.
    enum Existing {
        /// Write it again (a crash left it; variants are deterministic, so the bytes are the same).
        case replace
        /// Leave it (`augment` never replaces what a daemon or another profile wrote).
        case keep
    }

    /// One variant in place: what its ledger record needs (made only by callers that keep one:
    /// encoding the parameters as JSON costs more than writing the file's name).
    struct Written {
        let variant: EncodedVariantHeader
        let path: String

        func record(_ layout: DatasetLayout) throws -> VariantRecord {
            try variant.record(path: layout.key(of: path))
        }
    }

    /// Variants 1…`profile.variants` of a train original (none for val). `written` lists each
    /// file as soon as it is in place, so a caller can take them back when a later write fails.
    func write(of image: Image, info: ImageInfo, hash: SHA256Digest, folder: String, sourceName: String, split: Split,
               factory: inout VariantFactory, existing: Existing = .replace, written: inout [String]) throws -> [Written] {
        guard split == .train, profile.variants > 0 else { return [] }
        var records = [Written]()
        for k in 1...profile.variants {
            let variant = try factory.variants(of: image, format: info.format, losslessOriginal: info.isLossless, hash: hash,
                                               profile: profile, profileHash: profileHash, indices: [k])[0]
            let path = "\(folder)/\(DatasetLayout.variantName(sourceName: sourceName, hash: hash, variant: k, format: variant.format))"
            do {
                try DatasetWriteError.writing(folder) { () throws(SystemError) in
                    try DurableFile.write(variant.bytes, to: path, syncFolder: false, replacing: existing == .replace)
                }
                written.append(path)
            } catch {
                guard existing == .keep, error.isAlreadyExists else { throw error }
            }
            records.append(Written(variant: variant.header, path: path))
        }
        return records
    }
}
