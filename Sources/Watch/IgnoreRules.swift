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

extension IgnoreRules {
    /// A dot-folder a user may have meant as a label (`..x`, `.cats`); not ours (`.failed`).
    public static func isHiddenFolder(_ name: String) -> Bool {
        name.hasPrefix(".") && name != ".failed"
    }
}

extension IgnoreRules {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "jpe"]

    /// A name a user would take for an image. A folder with such a name is not a label folder:
    /// it is reported (and refused by the intake) instead of watched.
    public static func looksLikeImage(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
