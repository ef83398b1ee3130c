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
}
