import Foundation
import TOMLKit

/// Reads one TOML table with typed accessors that produce ConfigErrors naming the key, and
/// remembers which keys were read so unknown ones are refused by name.
struct TOMLReader {
    let table: TOMLTable
    let file: String
    let path: String
    private(set) var known: [String] = []
    /// Bad values found so far (reported together by `finish`).
    private(set) var problems: [ConfigError] = []

    init(_ table: TOMLTable, file: String, path: String) {
        self.table = table
        self.file = file
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: keyPath(key), message)
    }

    private func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "the string \"\(value.string ?? "")\""
        case .int: "the integer \(value.int ?? 0)"
        case .double: "the number \(value.double ?? 0)"
        case .bool: "\(value.bool ?? false)"
        case .array: "an array"
        case .table: "a table"
        default: "a \(value.type)"
        }
    }

    mutating func raw(_ key: String) -> TOMLValueConvertible? {
        known.append(key)
        return table[key]
    }

    mutating func number(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let v = raw(key) else { return fallback }
        let n: Double? = v.type == .int ? v.int.map(Double.init) : (v.type == .double ? v.double : nil)
        guard let n, range.contains(n) else {
            return problem(key, "must be a number from \(range.lowerBound) to \(range.upperBound), got \(describe(v))", fallback)
        }
        return n
    }

    mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let v = raw(key) else { return fallback }
        guard v.type == .int, let n = v.int, range.contains(n) else {
            return problem(key, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(describe(v))", fallback)
        }
        return n
    }

    mutating func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let v = raw(key) else { return fallback }
        guard v.type == .bool, let b = v.bool else { return problem(key, "must be true or false, got \(describe(v))", fallback) }
        return b
    }

    mutating func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        guard let v = raw(key) else { return fallback }
        guard v.type == .string, let s = v.string else { return problem(key, "must be a string, got \(describe(v))", fallback) }
        return s
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws(ConfigError) -> E
    where E.RawValue == String {
        guard let v = raw(key) else { return fallback }
        let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard v.type == .string, let s = v.string, let e = E(rawValue: s) else {
            return problem(key, "must be one of \(allowed), got \(describe(v))", fallback)
        }
        return e
    }

    /// A probability: a number from 0 to 1, or a boolean (true = 0.5, as in the original recipe).
    mutating func probability(_ key: String) throws(ConfigError) -> Double {
        guard let v = raw(key) else { return 0 }
        if v.type == .bool { return v.bool == true ? 0.5 : 0 }
        let n: Double? = v.type == .int ? v.int.map(Double.init) : (v.type == .double ? v.double : nil)
        guard let n, (0...1).contains(n) else {
            return problem(key, "must be a probability from 0 to 1, or true (= 0.5) / false, got \(describe(v))", 0)
        }
        return n
    }

    /// A list of numbers (TOML ints or floats), or nil when the key is absent or not an array.
    mutating func numbers(_ key: String) -> (value: TOMLValueConvertible, numbers: [Double]?)? {
        guard let v = raw(key) else { return nil }
        guard v.type == .array, let array = v.array else { return (v, nil) }
        var out = [Double]()
        for item in array {
            if item.type == .int, let i = item.int { out.append(Double(i)) }
            else if item.type == .double, let d = item.double { out.append(d) }
            else { return (v, nil) }
        }
        return (v, out)
    }

    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = raw(key) else { return nil }
        guard v.type == .array, let array = v.array else { throw error(key, "must be an array of strings, got \(describe(v))") }
        var out = [String]()
        for item in array {
            guard item.type == .string, let s = item.string else {
                throw error(key, "must be an array of strings, got an element that is \(describe(item))")
            }
            out.append(s)
        }
        return out
    }

    /// A duration: "500ms", "30s", "5m", "2h", "1d", or "0".
    mutating func duration(_ key: String, default fallback: Double) throws(ConfigError) -> Double {
        guard let v = raw(key) else { return fallback }
        let allowed = "must be a duration like \"30s\", \"5m\", \"2h\" or \"0\""
        guard v.type == .string, let text = v.string else { return problem(key, "\(allowed), got \(describe(v))", fallback) }
        guard let seconds = Self.parseDuration(text) else { return problem(key, "\(allowed), got \"\(text)\"", fallback) }
        return seconds
    }

    static func parseDuration(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return 0 }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (unit, scale) in units where trimmed.hasSuffix(unit) {
            let number = trimmed.dropLast(unit.count)
            if let value = Double(number), value >= 0, value.isFinite { return value * scale }
        }
        return nil
    }

    /// Records a bad value and carries on with the default, so that one pass reports every
    /// problem of the table (thrown together by `finish`).
    private mutating func problem<T>(_ key: String, _ message: String, _ fallback: T) -> T {
        problems.append(error(key, message))
        return fallback
    }

    /// Throws every bad value recorded and every key that nothing read (with the keys allowed here).
    func finish() throws(ConfigError) {
        var all = problems
        for key in table.keys.filter({ !known.contains($0) }).sorted() {
            all.append(error(key, "unknown key (allowed here: \(known.joined(separator: ", ")))"))
        }
        if let combined = ConfigError.combining(all) { throw combined }
    }
}

