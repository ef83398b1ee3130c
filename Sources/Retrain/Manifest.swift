import Foundation
import Ledger

/// The JSON file a retraining command reads (AUGMENTD_MANIFEST): what is new since the last
/// successful run, and the whole dataset's per-label totals for rebalancing.
public struct Manifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// "original" or "variant".
        public let kind: String
        public let label: String
        /// "train" or "val".
        public let split: String
        /// SHA-256 of the original (a variant carries its original's hash, and `variant` k).
        public let hash: String
        /// Relative to `dataset_root`.
        public let path: String
        public let variant: Int?
    }

    public struct LabelTotals: Codable, Sendable, Equatable {
        public let trainOriginals: Int
        public let valOriginals: Int
        public let variants: Int

        enum CodingKeys: String, CodingKey {
            case trainOriginals = "train_originals", valOriginals = "val_originals", variants
        }
    }

    public let formatVersion: Int
    public let runID: String
    public let createdAt: String
    public let datasetRoot: String
    public let newOriginals: Int
    public let newVariants: Int
    public let files: [File]
    public let labelTotals: [String: LabelTotals]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", runID = "run_id", createdAt = "created_at", datasetRoot = "dataset_root"
        case newOriginals = "new_originals", newVariants = "new_variants", files, labelTotals = "label_totals"
    }

    /// `datasetRoot` is the absolute path the trainer gets; the ledger's paths are keys below it.
    public init(runID: String, createdAt: Double, datasetRoot: String,
                originals: [UntrainedOriginal], totals: [String: (train: Int, val: Int, variants: Int)],
                extraVariants: [UntrainedOriginal] = []) {
        formatVersion = 1
        self.runID = runID
        self.createdAt = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: createdAt))
        self.datasetRoot = datasetRoot
        var files = [File]()
        for original in originals {
            files.append(File(kind: "original", label: original.label, split: original.split, hash: original.hash,
                              path: original.path, variant: nil))
            for variant in original.variants {
                files.append(File(kind: "variant", label: original.label, split: original.split, hash: original.hash,
                                  path: variant.path, variant: variant.index))
            }
        }
        // Variants added to originals trained on before (balancing): the variants alone.
        for original in extraVariants {
            for variant in original.variants {
                files.append(File(kind: "variant", label: original.label, split: original.split, hash: original.hash,
                                  path: variant.path, variant: variant.index))
            }
        }
        self.files = files
        newOriginals = originals.count
        newVariants = files.count - originals.count
        labelTotals = totals.mapValues { LabelTotals(trainOriginals: $0.train, valOriginals: $0.val, variants: $0.variants) }
    }

    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}
