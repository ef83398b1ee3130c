/// A refused configuration: names the file, the key and what is allowed.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// Dotted key path ("profiles.cifar.rotation_range"), or "" for the file as a whole.
    public let key: String
    public let message: String
    /// Further problems found in the same file (check-config reports them all at once).
    public var others: [ConfigError] = []

    public init(file: String, key: String, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        ([self.withoutOthers] + others).map(\.line).joined(separator: "\n")
    }

    private var line: String { key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)" }

    private var withoutOthers: ConfigError { ConfigError(file: file, key: key, message) }

    /// Every problem, this one first, as a flat list.
    public var all: [ConfigError] { [withoutOthers] + others.flatMap(\.all) }

    /// One error carrying every problem in `list` (nil when there is none).
    public static func combining(_ list: [ConfigError]) -> ConfigError? {
        let flat = list.flatMap(\.all)
        guard var first = flat.first else { return nil }
        first.others = Array(flat.dropFirst())
        return first
    }
}
