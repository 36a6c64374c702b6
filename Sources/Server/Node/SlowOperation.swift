import Foundation

/// A log save or a state transaction that took longer than it should: etcd's "slow
/// fdatasync" (over 1 s) and "apply request took too long" (over 100 ms), the first signs of
/// the slow disk behind most of its production failures. The warning names the phase and the
/// figures so that an operator can tell a slow disk from a large batch.
public struct SlowOperation: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// Appending a batch to the Raft log, with its one fdatasync.
        case logSync = "log sync"
        /// Applying committed entries in one state transaction.
        case apply
    }

    public var phase: Phase
    public var duration: Duration
    /// Entries the log save appended, or the transaction applied.
    public var entries: Int
    /// The duration above which the phase warns.
    public var threshold: Duration
    /// Slow operations of the same phase not warned about since the previous warning.
    public var suppressed: Int

    /// `slow log sync: 1.234 s for 57 entries (expected under 1 s, etcd's "slow fdatasync")`.
    public var message: String {
        let etcdName = switch phase {
        case .logSync: "slow fdatasync"
        case .apply: "apply request took too long"
        }
        var text = "slow \(phase.rawValue): \(Self.format(duration)) for \(Self.grouped(entries)) entr\(entries == 1 ? "y" : "ies") (expected under \(Self.format(threshold)), etcd's \"\(etcdName)\")"
        if suppressed > 0 { text += "; \(Self.grouped(suppressed)) more since the last warning" }
        return text
    }

    /// Seconds with three decimals from 1 s up, otherwise whole milliseconds (one decimal
    /// under 10 ms); whole figures print without a fraction (`1 s`, `100 ms`).
    static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds >= 1 {
            return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.3f s", seconds)
        }
        let milliseconds = seconds * 1000
        if milliseconds == milliseconds.rounded() { return "\(Int(milliseconds)) ms" }
        return String(format: milliseconds >= 10 ? "%.0f ms" : "%.1f ms", milliseconds)
    }

    /// `1,000`: thousands separated, whatever the process's locale.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (number < 0 ? "-" : "") + result
    }
}
