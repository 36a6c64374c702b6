/// Reads one Go string literal (`"…"` with Go's escapes, or a raw `` `…` ``) from the start of
/// some text, as `fmt.Sscanf`'s `%q` does: etcdctl's txn syntax quotes keys and values this way.
enum GoUnquote {
    struct SyntaxError: Error {}

    /// The literal's bytes and the text after it.
    static func literal(at text: Substring) throws(SyntaxError) -> (bytes: [UInt8], rest: Substring) {
        var utf8 = Array(text.utf8)[...]
        guard let quote = utf8.popFirst(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "`") else {
            throw SyntaxError()
        }
        var bytes: [UInt8] = []
        while let byte = utf8.popFirst() {
            if byte == quote {
                let consumed = text.utf8.count - utf8.count
                return (bytes, Substring(text.utf8.dropFirst(consumed)))
            }
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                try Self.escape(&utf8, into: &bytes)
            } else if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\n") {
                throw SyntaxError()
            } else {
                bytes.append(byte)
            }
        }
        throw SyntaxError()
    }

    private static func escape(_ utf8: inout ArraySlice<UInt8>, into bytes: inout [UInt8]) throws(SyntaxError) {
        guard let letter = utf8.popFirst() else { throw SyntaxError() }
        if let byte = Self.simpleEscape(letter) {
            bytes.append(byte)
            return
        }
        func digits(_ count: Int, radix: Int) throws(SyntaxError) -> UInt32 {
            guard utf8.count >= count,
                let value = UInt32(String(decoding: utf8.prefix(count), as: UTF8.self), radix: radix)
            else { throw SyntaxError() }
            utf8 = utf8.dropFirst(count)
            return value
        }
        switch letter {
        case UInt8(ascii: "x"):
            bytes.append(UInt8(try digits(2, radix: 16)))
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            utf8 = [letter] + utf8
            let value = try digits(3, radix: 8)
            guard value <= 0xff else { throw SyntaxError() }
            bytes.append(UInt8(value))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            guard let scalar = Unicode.Scalar(try digits(letter == UInt8(ascii: "u") ? 4 : 8, radix: 16)) else {
                throw SyntaxError()
            }
            bytes.append(contentsOf: Array(String(scalar).utf8))
        default:
            throw SyntaxError()
        }
    }

    /// The byte a one-letter escape (`\n`, `\"`, …) stands for.
    private static func simpleEscape(_ letter: UInt8) -> UInt8? {
        switch Unicode.Scalar(letter) {
        case "a": 7
        case "b": 8
        case "f": 12
        case "n": 10
        case "r": 13
        case "t": 9
        case "v": 11
        case "\\": 92
        case "\"": 34
        case "'": 39
        default: nil
        }
    }
}
