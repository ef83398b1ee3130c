/// The class of a failure reason, a short stable name for metrics (`reason="truncated"`): the
/// reason texts themselves name files and sizes and would make one series per file.
public enum FailureReason {
    static let prefixes: [(prefix: String, name: String)] = [
        ("empty file", "empty"),
        ("unsupported format", "unsupported_format"),
        ("truncated", "truncated"),
        ("corrupt", "corrupt"),
        ("unsupported ", "unsupported_feature"),
        ("image too large", "too_large"),
        ("out of memory", "out_of_memory"),
        ("cannot encode", "encode_failed"),
        ("bad label folder", "bad_label"),
        ("not in a label folder", "bad_label"),
        ("label conflict", "label_conflict"),
        ("file too large", "too_large"),
    ]

    public static func className(of reason: String) -> String {
        prefixes.first { reason.hasPrefix($0.prefix) }?.name ?? "other"
    }
}
