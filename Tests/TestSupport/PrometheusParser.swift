import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), enough to check what
/// augmentd writes: HELP/TYPE before samples, valid names, quoted and escaped label values,
/// numeric values. Throws with the line number on anything else.
public struct PrometheusSample: Equatable, Sendable {
    public let name: String
    public let labels: [String: String]
    public let value: Double
}

public struct PrometheusParseError: Error, CustomStringConvertible {
    public let description: String
}

public enum PrometheusParser {
    public static func parse(_ text: String) throws -> [PrometheusSample] {
        var types = [String: String]()
        var samples = [PrometheusSample]()
        let nameChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")
        func validName(_ s: Substring) -> Bool {
            !s.isEmpty && !s.first!.isNumber && s.unicodeScalars.allSatisfy(nameChars.contains)
        }
        guard text.hasSuffix("\n") else { throw PrometheusParseError(description: "the text must end with a newline") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let fail = { (why: String) in PrometheusParseError(description: "line \(index + 1): \(why): \(line)") }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count >= 3, validName(parts[2]) else { throw fail("bad HELP/TYPE line") }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw fail("bad type")
                    }
                    guard types[String(parts[2])] == nil else { throw fail("type declared twice") }
                    types[String(parts[2])] = String(parts[3])
                }
                continue
            }
            if line.hasPrefix("#") || line.isEmpty { continue }
            // name{labels} value
            var rest = Substring(line)
            let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
            let name = rest[..<nameEnd]
            guard validName(name) else { throw fail("bad metric name") }
            rest = rest[nameEnd...]
            var labels = [String: String]()
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    guard let eq = rest.firstIndex(of: "="), validName(rest[..<eq]) else { throw fail("bad label name") }
                    let key = String(rest[..<eq])
                    rest = rest[rest.index(after: eq)...]
                    guard rest.first == "\"" else { throw fail("label value not quoted") }
                    rest = rest.dropFirst()
                    var value = ""
                    while let c = rest.first, c != "\"" {
                        rest = rest.dropFirst()
                        if c == "\\" {
                            guard let e = rest.first else { throw fail("dangling escape") }
                            rest = rest.dropFirst()
                            switch e {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw fail("bad escape")
                            }
                        } else {
                            value.append(c)
                        }
                    }
                    guard rest.first == "\"" else { throw fail("unterminated label value") }
                    rest = rest.dropFirst()
                    guard labels[key] == nil else { throw fail("label repeated") }
                    labels[key] = value
                    if rest.first == "," { rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            }
            guard rest.first == " " else { throw fail("no value") }
            let valueText = rest.dropFirst().split(separator: " ").first.map(String.init) ?? ""
            let value: Double
            switch valueText {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let v = Double(valueText) else { throw fail("value is not a number") }
                value = v
            }
            let family = ["_bucket", "_sum", "_count"].reduce(String(name)) { n, suffix in
                n.hasSuffix(suffix) && types[n] == nil ? String(n.dropLast(suffix.count)) : n
            }
            guard types[family] != nil else { throw fail("sample before its TYPE line") }
            samples.append(PrometheusSample(name: String(name), labels: labels, value: value))
        }
        return samples
    }
}
