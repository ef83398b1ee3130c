/// Text from outside (file names, labels, library messages) made safe to print on one line.
/// A name may hold a newline, an escape sequence or bytes that are not UTF-8; printed as it is,
/// it could forge a log line ("\naugmentd: stopped") or garble a terminal.
public enum DisplayText {
    /// `text` with backslashes and control characters escaped: `\n`, `\r`, `\t`, `\\`, and
    /// `\u{…}` for the other C0/C1 controls, DEL and the Unicode line/paragraph separators.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            default: out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            }
        }
        return String(out)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || v == 0x5C || (v >= 0x7F && v < 0xA0) || v == 0x2028 || v == 0x2029
    }

    /// A file name's bytes as valid UTF-8: well-formed sequences as they are, every other byte as
    /// `%XX` (and `%` itself as `%25` only where the name needed escaping, so a valid name never
    /// changes). Used for names that are not UTF-8.
    public static func utf8Name(_ bytes: [UInt8]) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                let piece = String(decoding: bytes[index..<index + length], as: UTF8.self)
                out += piece == "%" ? "%25" : piece
                index += length
            } else {
                out += "%" + String(bytes[index], radix: 16, uppercase: true).leftPadded(to: 2)
                index += 1
            }
        }
        return out
    }

    /// The length of the well-formed UTF-8 sequence starting at `index`, or 0.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + length], as: UTF8.self) == nil ? 0 : length
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
