import Codecs
import Foundation

/// The golden cases of ../shared/reference/cases.json.
public struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertibleShim {
    public struct Tolerance: Decodable, Sendable {
        public let max_abs: Int
        public let mean_abs: Double
        public let family: String
    }

    public let id: String
    public let input: String
    public let op: String
    public let params: [String: ReferenceJSON]
    public let expected: String
    public let tolerance: Tolerance

    public var testDescription: String { id }

    struct File: Decodable { let cases: [ReferenceCase] }

    public static let all: [ReferenceCase] = {
        let url = TestPaths.shared.appendingPathComponent("reference/cases.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
    }()

    public var inputURL: URL { TestPaths.shared.appendingPathComponent("reference").appendingPathComponent(input) }
    public var expectedURL: URL { TestPaths.shared.appendingPathComponent("reference").appendingPathComponent(expected) }

    /// The parameters as JSON text, for the CLI and the library parser alike.
    public var paramsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try! encoder.encode(params), as: UTF8.self)
    }
}

/// A JSON value that can be decoded and re-encoded unchanged (the test side's own copy).
public enum ReferenceJSON: Codable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([ReferenceJSON])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .array(try c.decode([ReferenceJSON].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        }
    }
}

/// Lets the case describe itself in Swift Testing output without TestSupport importing Testing.
public protocol CustomTestStringConvertibleShim {
    var testDescription: String { get }
}

/// Max and mean absolute difference over every channel value.
public func pixelDifference(_ a: Image, _ b: Image) -> (max: Int, mean: Double) {
    precondition(a.pixels.count == b.pixels.count)
    var maxDiff = 0, total = 0
    for i in 0..<a.pixels.count {
        let d = abs(Int(a.pixels[i]) - Int(b.pixels[i]))
        if d > maxDiff { maxDiff = d }
        total += d
    }
    return (maxDiff, Double(total) / Double(max(a.pixels.count, 1)))
}
