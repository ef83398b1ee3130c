import Augment
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
    public let params: [String: JSONValue]
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
