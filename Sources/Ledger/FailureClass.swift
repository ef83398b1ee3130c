/// The class of a recorded failure: stored beside its message, so metrics and status count by
/// class (`reason="truncated"`) without reading the message, which names files and sizes.
public enum FailureClass: String, Sendable, CaseIterable, Codable {
    case empty
    case unsupportedFormat = "unsupported_format"
    case truncated
    case corrupt
    case unsupportedFeature = "unsupported_feature"
    case tooLarge = "too_large"
    case outOfMemory = "out_of_memory"
    case encodeFailed = "encode_failed"
    /// Not in a label folder, or a folder name that cannot be a label.
    case badLabel = "bad_label"
    case labelConflict = "label_conflict"
    /// A path longer than Linux opens.
    case pathTooLong = "path_too_long"
    /// The file could not be read (permissions, I/O errors).
    case unreadable
    case other
}
