/// A JSON value, enough to read operation parameters without Foundation's type guessing.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads typed parameters from a JSON object, remembering which keys were used so that
/// unknown ones can be refused by name.
struct ParameterReader {
    private let params: [String: JSONValue]
    private let op: String
    private var used: [String] = []

    init(_ params: [String: JSONValue], op: String) {
        self.params = params
        self.op = op
    }

    private mutating func value(_ key: String) -> JSONValue? {
        used.append(key)
        return params[key]
    }

    private func fail(_ key: String, _ expected: String, _ got: JSONValue) -> ParameterError {
        ParameterError("\(op): '\(key)' must be \(expected), got \(got.summary)")
    }

    mutating func number(_ key: String, default fallback: Double,
                         range: ClosedRange<Double> = -1e9...1e9) throws(ParameterError) -> Double {
        guard let v = value(key), v != .null else { return fallback }
        guard case .number(let n) = v, range.contains(n) else {
            throw fail(key, "a number in \(range.lowerBound)...\(range.upperBound)", v)
        }
        return n
    }

    mutating func optionalNumber(_ key: String, range: ClosedRange<Double>) throws(ParameterError) -> Double? {
        guard let v = value(key), v != .null else { return nil }
        guard case .number(let n) = v, range.contains(n) else {
            throw fail(key, "null or a number in \(range.lowerBound)...\(range.upperBound)", v)
        }
        return n
    }

    mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ParameterError) -> Int {
        guard let v = value(key), v != .null else { return fallback }
        guard case .number(let n) = v, n == n.rounded(), range.contains(Int(n)) else {
            throw fail(key, "an integer in \(range.lowerBound)...\(range.upperBound)", v)
        }
        return Int(n)
    }

    mutating func bool(_ key: String, default fallback: Bool) throws(ParameterError) -> Bool {
        guard let v = value(key), v != .null else { return fallback }
        guard case .bool(let b) = v else { throw fail(key, "true or false", v) }
        return b
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E)
        throws(ParameterError) -> E where E.RawValue == String
    {
        guard let v = value(key), v != .null else { return fallback }
        let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .string(let s) = v, let e = E(rawValue: s) else { throw fail(key, "one of \(allowed)", v) }
        return e
    }

    mutating func numberPair(_ key: String, default fallback: (Double, Double),
                             range: ClosedRange<Double>) throws(ParameterError) -> (Double, Double) {
        guard let v = value(key), v != .null else { return fallback }
        guard case .array(let items) = v, items.count == 2, case .number(let a) = items[0],
              case .number(let b) = items[1], range.contains(a), range.contains(b)
        else {
            throw fail(key, "[low, high] within \(range.lowerBound)...\(range.upperBound)", v)
        }
        return (a, b)
    }

    /// null (one eighth of each side), an integer k, or [rows, cols].
    mutating func kernelSize(_ key: String) throws(ParameterError) -> (rows: Int, cols: Int)? {
        guard let v = value(key), v != .null else { return nil }
        let expected = "null, a positive integer or [rows, cols]"
        switch v {
        case .number(let n) where n >= 1 && n == n.rounded():
            return (Int(n), Int(n))
        case .array(let items) where items.count == 2:
            guard case .number(let r) = items[0], case .number(let c) = items[1], r >= 1, c >= 1,
                  r == r.rounded(), c == c.rounded()
            else { throw fail(key, expected, v) }
            return (Int(r), Int(c))
        default:
            throw fail(key, expected, v)
        }
    }

    /// Refuses keys that no reader asked for.
    func finish() throws(ParameterError) {
        let unknown = params.keys.filter { !used.contains($0) }.sorted()
        if let first = unknown.first {
            throw ParameterError("\(op): unknown parameter '\(first)' (allowed: \(used.joined(separator: ", ")))")
        }
    }
}
