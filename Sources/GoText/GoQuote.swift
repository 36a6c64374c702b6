/// Go's `strconv.Quote` (and so `fmt`'s `%q`) over bytes: etcdctl's fields format and its
/// `member add` environment lines quote keys, values and names this way, and a key need not be
/// UTF-8.
public enum GoQuote {
    public static func quote(_ bytes: some Collection<UInt8>) -> String {
        var out = "\""
        var utf8 = Array(bytes)[...]
        while let first = utf8.first {
            guard let (scalar, length) = Self.decodeScalar(utf8) else {
                out += "\\x" + Self.hexByte(first)
                utf8 = utf8.dropFirst()
                continue
            }
            utf8 = utf8.dropFirst(length)
            out += Self.escape(scalar)
        }
        return out + "\""
    }

    public static func quote(_ string: String) -> String { self.quote(Array(string.utf8)) }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case _ where Self.isPrint(scalar): return String(scalar)
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        case "\u{0C}": return "\\f"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{0B}": return "\\v"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            return "\\x" + Self.hexByte(UInt8(scalar.value))
        case _ where scalar.value < 0x10000:
            return "\\u" + Self.hexPadded(scalar.value, width: 4)
        default:
            return "\\U" + Self.hexPadded(scalar.value, width: 8)
        }
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// One UTF-8 scalar at the start of `bytes`, or nil when the bytes there are not valid UTF-8.
    private static func decodeScalar(_ bytes: ArraySlice<UInt8>) -> (Unicode.Scalar, Int)? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar):
            return (scalar, UTF8.width(scalar))
        case .emptyInput, .error:
            return nil
        }
    }

    private static func hexByte(_ byte: UInt8) -> String { self.hexPadded(UInt32(byte), width: 2) }

    private static func hexPadded(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
