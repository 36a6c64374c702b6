/// Go's `time.Duration` text, both ways: etcdctl's `--dial-timeout=2s` flags are parsed with
/// `time.ParseDuration`, and `endpoint health` prints how long the check took with `Duration.String`.
public enum GoDuration {
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Nanoseconds in `text` ("2s", "1m30s", "500ms", "1.5h"); a bare "0" is zero.
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        let failure = ParseError(description: "time: invalid duration \(GoQuote.quote(text))")
        var rest = Substring(text)
        var sign: Double = 1
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw failure }
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { throw failure }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            guard let unit = Self.units.first(where: { $0.0 == unitText }) else {
                throw ParseError(
                    description: unitText.isEmpty
                        ? "time: missing unit in duration \(GoQuote.quote(text))"
                        : "time: unknown unit \(GoQuote.quote(String(unitText))) in duration \(GoQuote.quote(text))")
            }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        return Int64(sign * total)
    }

    /// `time.Duration(nanoseconds).String()`: "4.726505ms", "1.5s", "2m3s".
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        let text: String
        if magnitude < 1_000 {
            text = "\(magnitude)ns"
        } else if magnitude < 1_000_000 {
            text = Self.decimal(magnitude, scale: 1_000) + "µs"
        } else if magnitude < 1_000_000_000 {
            text = Self.decimal(magnitude, scale: 1_000_000) + "ms"
        } else {
            let hours = magnitude / 3_600_000_000_000
            let minutes = magnitude / 60_000_000_000 % 60
            let seconds = Self.decimal(magnitude % 60_000_000_000, scale: 1_000_000_000) + "s"
            text = hours > 0 ? "\(hours)h\(minutes)m\(seconds)" : minutes > 0 ? "\(minutes)m\(seconds)" : seconds
        }
        return negative ? "-" + text : text
    }

    /// `value / scale` with its fraction, trailing zeros dropped.
    private static func decimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        var fraction = String(value % scale)
        let width = String(scale).count - 1
        fraction = String(repeating: "0", count: width - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}
