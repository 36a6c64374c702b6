import Foundation

/// Builds a page in Prometheus's text exposition format (version 0.0.4): for each metric its
/// `# HELP` and `# TYPE` lines, then its samples.
struct PrometheusText {
    private(set) var text = ""

    mutating func gauge(_ name: String, _ help: String, _ value: some BinaryInteger) {
        header(name, help, type: "gauge")
        sample(name, Self.format(value))
    }

    mutating func counter(_ name: String, _ help: String, _ value: some BinaryInteger) {
        header(name, help, type: "counter")
        sample(name, Self.format(value))
    }

    /// A counter with one sample per label set (labels in the order given).
    mutating func counter(_ name: String, _ help: String, samples: [(labels: [(String, String)], value: UInt64)]) {
        header(name, help, type: "counter")
        for (labels, value) in samples { sample(name + Self.labelSet(labels), Self.format(value)) }
    }

    mutating func histogram(_ name: String, _ help: String, _ histogram: Histogram) {
        header(name, help, type: "histogram")
        for (bound, count) in zip(histogram.upperBounds.map(Self.format) + ["+Inf"], histogram.cumulativeCounts) {
            sample(name + "_bucket{le=\"\(bound)\"}", Self.format(count))
        }
        sample(name + "_sum", Self.format(histogram.sum))
        sample(name + "_count", Self.format(histogram.count))
    }

    private mutating func header(_ name: String, _ help: String, type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ series: String, _ value: String) {
        text += series + " " + value + "\n"
    }

    static func format(_ value: some BinaryInteger) -> String { "\(value)" }

    /// As Go's client prints floats: integral values without a fraction (`le="1"`), others in
    /// the shortest form that reads back the same.
    static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
        return "\(value)"
    }

    /// `{a="x",b="y"}`, with `\`, `"` and newlines escaped as the format asks.
    static func labelSet(_ labels: [(String, String)]) -> String {
        let pairs = labels.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }
}
