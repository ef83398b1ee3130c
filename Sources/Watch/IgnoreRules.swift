/// Names the watcher never takes: files still being written or hidden from loaders.
public enum IgnoreRules {
    static let partialSuffixes = [".part", ".partial", ".tmp", ".crdownload", "~"]

    /// Dot-files (and dot-folders such as `.failed`) and partial-download names are ignored
    /// until they are renamed to a final name.
    public static func ignores(_ name: String) -> Bool {
        if name.hasPrefix(".") { return true }
        let lower = name.lowercased()
        return partialSuffixes.contains { lower.hasSuffix($0) }
    }
}
