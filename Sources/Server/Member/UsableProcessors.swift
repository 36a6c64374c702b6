import Foundation
import NIOCore

/// How many processors this process may run on: its CPU affinity mask (`taskset`, cpusets),
/// not the machine's count.
///
/// Event-loop threads beyond that only take turns on the same cores, and every hand-off
/// between them is a context switch. Go sizes GOMAXPROCS, and so etcd's scheduler, the same
/// way.
enum UsableProcessors {
    static var count: Int {
        guard let allowed = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)).flatMap(allowedInStatus) else {
            return System.coreCount
        }
        return max(1, min(allowed, System.coreCount))
    }

    /// The bits set in the `Cpus_allowed:` line (hex words separated by commas).
    static func allowedInStatus(_ status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        var bits = 0
        for character in line.dropFirst("Cpus_allowed:".count) where character != "," && !character.isWhitespace {
            guard let digit = character.hexDigitValue else { return nil }
            bits += digit.nonzeroBitCount
        }
        return bits
    }
}
