import Foundation
import Codecs
import Hashing
import LinuxSystem

/// Which part of the dataset an original belongs to.
public enum Split: String, Sendable, Codable {
    case train
    case val

    /// The split is a function of the content hash alone, so a file keeps its split forever and
    /// no variant of a validation image can reach training: the first 8 bytes of the SHA-256,
    /// read as a fraction of 2^64, below `valFraction` means validation.
    public static func of(_ hash: SHA256Digest, valFraction: Double) -> Split {
        if valFraction <= 0 { return .train }
        if valFraction >= 1 { return .val }
        let word = hash.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(word) / 18_446_744_073_709_551_616.0 < valFraction ? .val : .train
    }
}

/// Names inside the dataset tree (DESIGN.md "Dataset tree"):
/// `<root>/<split>/<label>/<stem>-<h8>.<ext>` for the original, `…-aug<k>.<fmt>` for variants.
public struct DatasetLayout: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func folder(split: Split, label: String) -> String {
        "\(root)/\(split.rawValue)/\(label)"
    }

    /// Removes the temp files in `folder` whose writer is gone (a kill -9 mid-write, or another
    /// node whose claim was taken over), those whose name contains `tag` when it is not empty.
    /// Loaders never see them (dot-files), but they are not to be left behind.
    public static func removeAbandonedTemps(in folder: String, containing tag: String = "") {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where (tag.isEmpty || name.contains(tag)) && DurableFile.isAbandonedTemp(name) {
            try? FileMoves.remove("\(folder)/\(name)")
        }
    }

    /// The ledger's name for a file of this tree: its path below `root`.
    public func key(of path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Where a ledger key is on this host. A host path (from a ledger older than its dataset
    /// root) is kept as it is.
    public func path(of key: String) -> String {
        key.hasPrefix("/") ? key : "\(root)/\(key)"
    }

    /// Every `<split>/<label>` folder of the tree (dot-folders skipped), in a stable order.
    public func labelFolders() -> [(split: Split, label: String, path: String)] {
        let fm = FileManager.default
        var out = [(split: Split, label: String, path: String)]()
        for split in [Split.train, .val] {
            let splitFolder = "\(root)/\(split.rawValue)"
            for label in ((try? fm.contentsOfDirectory(atPath: splitFolder)) ?? []).sorted() where !label.hasPrefix(".") {
                out.append((split, label, "\(splitFolder)/\(label)"))
            }
        }
        return out
    }

    /// Some file in a split/label folder (a sign that the dataset is not new), or nil.
    public func firstOriginal() -> String? {
        for folder in labelFolders() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            if let name = names.sorted().first(where: { !$0.hasPrefix(".") }) { return "\(folder.path)/\(name)" }
        }
        return nil
    }

    /// The stem of the original's name and its extension (kept as the user wrote it).
    public static func stemAndExtension(of fileName: String) -> (stem: String, ext: String) {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return (fileName, "") }
        return (String(fileName[..<dot]), String(fileName[fileName.index(after: dot)...]))
    }

    /// `<stem>-<h8>.<ext>`; an original without extension gets its format's.
    public static func originalName(sourceName: String, hash: SHA256Digest, format: ImageFormat) -> String {
        let (stem, ext) = stemAndExtension(of: sourceName)
        // The user's extension is kept unless it is missing or absurdly long.
        let kept = ext.isEmpty || ext.utf8.count > 16 ? format.fileExtension : ext
        return "\(safeStem(stem))-\(hash.hex.prefix(8)).\(kept)"
    }

    /// `<stem>-<h8>-aug<k>.<fmt>`.
    public static func variantName(sourceName: String, hash: SHA256Digest, variant k: Int, format: ImageFormat) -> String {
        let (stem, _) = stemAndExtension(of: sourceName)
        return "\(safeStem(stem))-\(hash.hex.prefix(8))-aug\(k).\(format.fileExtension)"
    }

    /// Longest stem kept, in UTF-8 bytes: with `-<h8>-aug<k>.<ext>` and the dot-temp decoration of an
    /// atomic write, every name stays well inside the 255-byte limit of Linux filesystems.
    static let maxStemBytes = 150

    /// A stem that cannot hide the file from loaders (leading dot), break the tree, or make a name
    /// too long for the filesystem (cut at a character boundary).
    static func safeStem(_ stem: String) -> String {
        var s = stem.replacingOccurrences(of: "/", with: "_")
        while s.hasPrefix(".") { s.removeFirst() }
        while s.utf8.count > maxStemBytes { s.removeLast() }
        return s.isEmpty ? "image" : s
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
