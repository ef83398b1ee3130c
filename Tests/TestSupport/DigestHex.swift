import Hashing

/// Lowercase hex SHA-256, for tests that predict dataset file names.
public enum DigestHex {
    public static func of(_ bytes: [UInt8]) -> String { SHA256Digest.of(bytes).hex }
}
