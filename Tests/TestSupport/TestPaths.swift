import Foundation

/// Where test inputs live: the repository, and the shared reference set beside it
/// (`../shared`, or `$AUGMENTD_SHARED`).
public enum TestPaths {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static var shared: URL {
        if let override = ProcessInfo.processInfo.environment["AUGMENTD_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var referenceInputs: URL { shared.appendingPathComponent("reference/inputs") }
}

/// A small deterministic generator so fixtures are the same on every run.
public struct SplitMix64 {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
