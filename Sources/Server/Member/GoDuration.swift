/// Go's `time.ParseDuration`, which etcd's duration flags use (`--grpc-keepalive-interval=2h`):
/// a sequence of decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), such as `1h30m`
/// or `1.5s`; a bare `0` is zero.
enum GoDuration {
    static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total = Duration.zero
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            let unit = rest.dropFirst(number.count).prefix { !$0.isNumber && $0 != "." }
            guard !number.isEmpty, let value = Double(number), let scale = Self.units[String(unit)] else { return nil }
            total += scale * value
            rest = rest.dropFirst(number.count + unit.count)
        }
        return total
    }

    private static let units: [String: Duration] = [
        "ns": .nanoseconds(1), "us": .microseconds(1), "µs": .microseconds(1), "μs": .microseconds(1),
        "ms": .milliseconds(1), "s": .seconds(1), "m": .seconds(60), "h": .seconds(3600),
    ]
}
