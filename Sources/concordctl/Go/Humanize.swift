import Foundation

/// go-humanize's `Bytes`: SI units, one decimal below 10 ("20 kB", "1.2 MB"), as etcdctl prints
/// database sizes in `endpoint status`.
enum Humanize {
    private static let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]

    static func bytes(_ size: UInt64) -> String {
        if size < 10 { return "\(size) B" }
        let exponent = floor(log(Double(size)) / log(1000))
        let unit = Self.units[Int(exponent)]
        let value = floor(Double(size) / pow(1000, exponent) * 10 + 0.5) / 10
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + unit
    }
}
