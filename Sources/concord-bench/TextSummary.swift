import Foundation

/// etcd benchmark's text report (pkg/report): Summary, Response time histogram, Latency
/// distribution, Error distribution; `--precise` prints full precision as etcd's does.
struct TextSummary {
    let precise: Bool

    func text(of phase: PhaseResult) -> String {
        var text = ""
        if phase.succeeded > 0 {
            text += "\nSummary:\n"
            text += "  Total:\t\(self.seconds(phase.totalSeconds)).\n"
            text += "  Slowest:\t\(self.seconds(phase.slowestSeconds)).\n"
            text += "  Fastest:\t\(self.seconds(phase.fastestSeconds)).\n"
            text += "  Average:\t\(self.seconds(phase.averageSeconds)).\n"
            text += "  Stddev:\t\(self.seconds(phase.stddevSeconds)).\n"
            text += "  Requests/sec:\t\(self.number(phase.requestsPerSecond))\n"
            text += "\nResponse time histogram:\n"
            let most = phase.histogram.map(\.count).max() ?? 0
            for bar in phase.histogram {
                let length = most > 0 ? bar.count * 40 / most : 0
                text += "  \(self.number(bar.seconds)) [\(bar.count)]\t|\(String(repeating: "∎", count: length))\n"
            }
            text += "\nLatency distribution:\n"
            for percentile in phase.percentiles where percentile.seconds > 0 {
                text += "  \(Self.percentText(percentile.percentile))% in \(String(format: "%.3f", percentile.seconds * 1000)) ms.\n"
            }
        }
        if !phase.errors.isEmpty {
            text += "\nError distribution:\n"
            for (error, count) in phase.errors.sorted(by: { $0.value > $1.value }) {
                text += "  [\(count)]\t\(error)\n"
            }
        }
        return text
    }

    /// The client's own CPU, printed after the summaries.
    func text(of client: ClientCPUUsage) -> String {
        String(
            format: "\nClient CPU:\t%.3f s over %.3f s (%.0f%% of %d core(s)), %.1f µs per request.\n",
            client.cpuSeconds, client.wallSeconds, client.busyFraction * 100, client.coresAvailable, client.cpuMicrosecondsPerRequest)
    }

    private func seconds(_ value: Double) -> String { self.number(value) + " secs" }

    private func number(_ value: Double) -> String {
        self.precise ? "\(value)" : String(format: "%4.4f", value)
    }

    /// Go's %v of a float64: 10, 99.9.
    static func percentText(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
