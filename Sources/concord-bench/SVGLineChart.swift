import Foundation

/// A line chart as inline SVG: no scripts, no external files, so a report is one HTML file
/// that opens anywhere (and renders in a Markdown viewer when saved as .svg).
struct SVGLineChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
    }

    struct Tick {
        var value: Double
        var label: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Ticks on the x axis; nil: five even ones.
    var xTicks: [Tick]?
    /// Where the x axis starts when the points do not say (time axes start at 0).
    var xFrom: Double?
    var width = 760.0
    var height = 320.0

    private let left = 70.0, right = 20.0, top = 34.0, bottom = 48.0

    func svg() -> String {
        let points = self.series.flatMap(\.points)
        let xs = (self.xTicks?.map(\.value) ?? []) + points.map(\.x) + (self.xFrom.map { [$0] } ?? [])
        let minX = xs.min() ?? 0
        let maxX = max(xs.max() ?? 1, minX + 1e-9)
        let maxY = Self.niceCeiling(max(points.map(\.y).max() ?? 1, 1e-9))
        let plotWidth = self.width - self.left - self.right
        let plotHeight = self.height - self.top - self.bottom
        func px(_ x: Double) -> Double { self.left + (x - minX) / (maxX - minX) * plotWidth }
        func py(_ y: Double) -> Double { self.top + plotHeight - y / maxY * plotHeight }

        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(Int(self.width)) \##(Int(self.height))" width="\##(Int(self.width))" height="\##(Int(self.height))" font-family="sans-serif" font-size="11">"##
        svg += ##"<text x="\##(self.left)" y="18" font-size="14" font-weight="bold">\##(Self.escape(self.title))</text>"##
        // Grid and y ticks.
        for step in 0...4 {
            let value = maxY * Double(step) / 4
            let y = py(value)
            svg += ##"<line x1="\##(self.left)" y1="\##(f(y))" x2="\##(self.width - self.right)" y2="\##(f(y))" stroke="#ddd"/>"##
            svg += ##"<text x="\##(self.left - 6)" y="\##(f(y + 4))" text-anchor="end">\##(Self.format(value))</text>"##
        }
        let ticks = self.xTicks ?? (0...4).map { step in
            let value = minX + (maxX - minX) * Double(step) / 4
            return Tick(value: value, label: Self.format(value))
        }
        for tick in ticks {
            let x = px(tick.value)
            svg += ##"<line x1="\##(f(x))" y1="\##(self.top)" x2="\##(f(x))" y2="\##(f(self.top + plotHeight))" stroke="#eee"/>"##
            svg += ##"<text x="\##(f(x))" y="\##(f(self.top + plotHeight + 16))" text-anchor="middle">\##(Self.escape(tick.label))</text>"##
        }
        svg += ##"<rect x="\##(self.left)" y="\##(self.top)" width="\##(f(plotWidth))" height="\##(f(plotHeight))" fill="none" stroke="#888"/>"##
        svg += ##"<text x="\##(f(self.left + plotWidth / 2))" y="\##(f(self.height - 8))" text-anchor="middle">\##(Self.escape(self.xLabel))</text>"##
        svg += ##"<text transform="translate(14 \##(f(self.top + plotHeight / 2))) rotate(-90)" text-anchor="middle">\##(Self.escape(self.yLabel))</text>"##
        for line in self.series where !line.points.isEmpty {
            let path = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            let dash = line.dashed ? ##" stroke-dasharray="5 3""## : ""
            svg += ##"<polyline fill="none" stroke="\##(line.color)" stroke-width="1.8"\##(dash) points="\##(path)"><title>\##(Self.escape(line.name))</title></polyline>"##
            if line.points.count == 1, let point = line.points.first {
                svg += ##"<circle cx="\##(f(px(point.x)))" cy="\##(f(py(point.y)))" r="3" fill="\##(line.color)"/>"##
            }
        }
        // Legend, top right.
        for (index, line) in self.series.enumerated() {
            let y = self.top + 12 + Double(index) * 14
            let x = self.width - self.right - 230
            let dash = line.dashed ? ##" stroke-dasharray="5 3""## : ""
            svg += ##"<line x1="\##(f(x))" y1="\##(f(y - 4))" x2="\##(f(x + 18))" y2="\##(f(y - 4))" stroke="\##(line.color)" stroke-width="2"\##(dash)/>"##
            svg += ##"<text x="\##(f(x + 24))" y="\##(f(y))">\##(Self.escape(line.name))</text>"##
        }
        return svg + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        if abs(value) >= 1 { return String(format: "%.3g", value) }
        return String(format: "%.2g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

private func f(_ value: Double) -> String { String(format: "%.1f", value) }
