import NIOCore

/// The `grpc-timeout` request header: "TimeoutValue TimeoutUnit", at most 8 ASCII digits then
/// one of H M S m u n (gRPC over HTTP/2, "Requests").
enum GRPCTimeout {
    /// The timeout the header asks for; nil when the header is malformed (grpc-go then refuses
    /// the call, see ``GRPCServerConnectionHandler``).
    static func parse(_ value: Substring) -> TimeAmount? {
        guard let unit = value.last, value.count >= 2, value.count <= 9 else { return nil }
        guard let amount = Int64(value.dropLast()), amount >= 0 else { return nil }
        switch unit {
        case "H": return .hours(amount)
        case "M": return .minutes(amount)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }

    /// The header for a timeout, in the finest unit whose value fits in 8 digits.
    static func encode(_ timeout: TimeAmount) -> String {
        let nanoseconds = max(timeout.nanoseconds, 0)
        let units: [(Int64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M"),
            (3_600_000_000_000, "H"),
        ]
        for (scale, unit) in units {
            // Round up so that a client never asks for less time than it will wait.
            let value = (nanoseconds + scale - 1) / scale
            if value < 100_000_000 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }
}
