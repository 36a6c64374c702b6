import GoText

/// Number parsing with Go's `strconv` rules and error texts: etcdctl prints those errors
/// verbatim (`bad lease ID (strconv.ParseInt: parsing "zz": invalid syntax), expecting ID in Hex`).
enum GoStrconv {
    struct NumberError: Error, CustomStringConvertible {
        let description: String
    }

    /// `strconv.ParseInt(text, radix, 64)`: an optional sign, then digits of the radix.
    static func parseInt(_ text: String, radix: Int = 10) throws(NumberError) -> Int64 {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ Self.isDigit($0, radix: radix) }) else {
            throw NumberError(description: "strconv.ParseInt: parsing \(GoQuote.quote(text)): invalid syntax")
        }
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard let magnitude = UInt64(digits, radix: radix), magnitude <= limit else {
            throw NumberError(description: "strconv.ParseInt: parsing \(GoQuote.quote(text)): value out of range")
        }
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    /// `strconv.ParseUint(text, radix, 64)`: digits of the radix, no sign.
    static func parseUInt(_ text: String, radix: Int = 10) throws(NumberError) -> UInt64 {
        guard !text.isEmpty, text.allSatisfy({ Self.isDigit($0, radix: radix) }) else {
            throw NumberError(description: "strconv.ParseUint: parsing \(GoQuote.quote(text)): invalid syntax")
        }
        guard let value = UInt64(text, radix: radix) else {
            throw NumberError(description: "strconv.ParseUint: parsing \(GoQuote.quote(text)): value out of range")
        }
        return value
    }

    private static func isDigit(_ character: Character, radix: Int) -> Bool {
        character.isASCII && Int(String(character), radix: radix) != nil
    }
}
