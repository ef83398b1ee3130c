import Hashing

/// xoshiro256**: small, fast, and the same sequence on every machine, so variant k of a file
/// always gets the same parameters.
public struct SeededRandom: Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds from 32 bytes (e.g. a SHA-256 digest).
    public init(seed bytes: [UInt8]) {
        precondition(bytes.count >= 32)
        func word(_ i: Int) -> UInt64 {
            (0..<8).reduce(0) { $0 | UInt64(bytes[i * 8 + $1]) << (8 * UInt64($1)) }
        }
        s = (word(0), word(1), word(2), word(3))
        if s == (0, 0, 0, 0) { s.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The seed of variant `k` of a file: SHA-256 over the file's hash, the profile's hash and k.
    public init(contentHash: SHA256Digest, profileHash: SHA256Digest, variant k: Int) {
        var material = Array("augmentd-variant-v1".utf8)
        material += contentHash.bytes + profileHash.bytes
        material += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(k) >> (8 * UInt64($0))) }
        self.init(seed: SHA256Digest.of(material).bytes)
    }

    public mutating func next() -> UInt64 {
        let result = (s.1 &* 5).rotatedLeft(7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3.rotatedLeft(45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high), as `np.random.uniform(low, high)`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// A uniformly chosen index below `count`.
    public mutating func index(below count: Int) -> Int {
        Int(next() % UInt64(count))
    }
}

extension UInt64 {
    @inline(__always) func rotatedLeft(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
