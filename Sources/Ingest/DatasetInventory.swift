import Codecs
import Foundation
import Hashing
import LinuxSystem

/// What the dataset tree holds, read back from its names (DESIGN.md "Dataset tree"): each
/// original `<stem>-<h8>.<ext>` with its variants `<stem>-<h8>-aug<k>.<fmt>` beside it. Used to
/// rebuild a lost or damaged ledger; the tree is the truth it is rebuilt from.
public struct DatasetInventory {
    public struct Original {
        public let path: String
        public let split: Split
        public let label: String
        /// The name it had in its inbox, as far as the tree tells (`<stem>.<ext>`).
        public let sourceName: String
        public let hash: SHA256Digest
        public let bytes: [UInt8]
        /// Variant index → (path, format), as found beside it.
        public var variants: [Int: (path: String, format: ImageFormat)] = [:]
    }

    public var originals: [Original] = []
    /// Variant files whose original is not in the tree (a write cut short before 0.3.0).
    public var orphanVariants: [String] = []
    /// Files that are not augmentd's (another name, or bytes that do not match their hash).
    public var foreignFiles: [String] = []

    /// A file name split into what augmentd put in it.
    struct Name: Equatable {
        var stem: String
        var hash8: String
        var variant: Int?
        var ext: String
    }

    static func parse(_ fileName: String) -> Name? {
        let (base, ext) = DatasetLayout.stemAndExtension(of: fileName)
        guard !ext.isEmpty else { return nil }
        var rest = Substring(base)
        var variant: Int?
        if let aug = rest.range(of: "-aug", options: .backwards), let k = Int(rest[aug.upperBound...]), k > 0 {
            variant = k
            rest = rest[..<aug.lowerBound]
        }
        guard let dash = rest.lastIndex(of: "-") else { return nil }
        let hash8 = rest[rest.index(after: dash)...]
        guard hash8.count == 8, hash8.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return Name(stem: String(rest[..<dash]), hash8: String(hash8), variant: variant, ext: ext)
    }

    /// Reads every `<split>/<label>/` folder under `layout.root`; originals are read and hashed.
    public static func scan(_ layout: DatasetLayout) -> DatasetInventory {
        var inventory = DatasetInventory()
        for (split, label, folder) in layout.labelFolders() {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            var byKey = [String: Int]()          // "<stem>-<h8>" → index in inventory.originals
            var variants = [(key: String, k: Int, path: String, ext: String)]()
            for fileName in names {
                let path = "\(folder)/\(fileName)"
                guard (try? FileMoves.status(path))?.kind == .regular else { continue }
                guard let name = parse(fileName) else { inventory.foreignFiles.append(path); continue }
                let key = "\(name.stem)-\(name.hash8)"
                if let k = name.variant {
                    variants.append((key, k, path, name.ext))
                    continue
                }
                guard let bytes = try? RegularFile.read(path) else { inventory.foreignFiles.append(path); continue }
                let hash = SHA256Digest.of(bytes)
                guard hash.hex.hasPrefix(name.hash8) else { inventory.foreignFiles.append(path); continue }
                byKey[key] = inventory.originals.count
                inventory.originals.append(Original(path: path, split: split, label: label,
                                                    sourceName: "\(name.stem).\(name.ext)", hash: hash, bytes: bytes))
            }
            for v in variants {
                guard let index = byKey[v.key], let format = ImageFormat(fileExtension: v.ext) else {
                    inventory.orphanVariants.append(v.path)
                    continue
                }
                inventory.originals[index].variants[v.k] = (v.path, format)
            }
        }
        return inventory
    }
}

extension ImageFormat {
    /// The format written with this extension (`png`, `jpg`), as variant names carry it.
    init?(fileExtension: String) {
        guard let format = ImageFormat.allCases.first(where: { $0.fileExtension == fileExtension }) else { return nil }
        self = format
    }
}
