import Foundation

/// The report a person looks at: for one run or several side by side (each run's headline
/// phase, its last), a table of the figures, latency over time (p50 solid, p99 dashed),
/// throughput over time, and the percentile curve on HdrHistogram's axis (the tail spread out:
/// 0, 90, 99, 99.9, 99.99 % equally spaced).
///
/// Runs labelled `SERVER:WORKLOAD` (as Benchmarks/compare-etcd labels them) get one set of
/// charts per workload, so each chart compares the servers on one workload.
struct HTMLReport {
    let runs: [RunResult]

    /// The runs in chart groups, in the order their workloads first appear.
    var groups: [(name: String, runs: [RunResult])] {
        var groups: [(name: String, runs: [RunResult])] = []
        for run in self.runs {
            let name = run.label.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            if let index = groups.firstIndex(where: { $0.name == name }) {
                groups[index].runs.append(run)
            } else {
                groups.append((name, [run]))
            }
        }
        return groups
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    func html() -> String {
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>concord-bench report</title>
            <style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
            td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}
            code{font-size:12px}</style></head><body><h1>concord-bench report</h1>
            """
        html += self.table()
        for group in self.groups {
            let report = HTMLReport(runs: group.runs)
            if !group.name.isEmpty { html += "<h2>\(SVGLineChart.escape(group.name))</h2>" }
            html += "<p>" + report.latencyOverTime().svg() + "</p>"
            html += "<p>" + report.throughputOverTime().svg() + "</p>"
            html += "<p>" + report.percentileCurve().svg() + "</p>"
        }
        html += "<h2>Commands</h2><ul>"
        for run in self.runs {
            html += "<li><b>\(SVGLineChart.escape(run.label))</b> (\(run.startedAt)): <code>concord-bench "
                + SVGLineChart.escape(run.arguments.joined(separator: " ")) + "</code></li>"
        }
        return html + "</ul></body></html>\n"
    }

    /// The figure a run is compared on.
    static func headline(_ run: RunResult) -> PhaseResult? { run.phases.last }

    /// A run's colour: the same server keeps its colour in every group.
    private func color(_ index: Int) -> String {
        let server = self.runs[index].label.split(separator: ":").first.map(String.init) ?? ""
        let servers = self.runs.map { $0.label.split(separator: ":").first.map(String.init) ?? "" }
        let distinct = servers.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let slot = distinct.count < self.runs.count ? distinct.firstIndex(of: server)! : index
        return Self.palette[slot % Self.palette.count]
    }

    private func table() -> String {
        var html = "<table><tr><th>run</th><th>phase</th><th>requests/s</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th>"
            + "<th>slowest ms</th><th>ok</th><th>errors</th><th>client CPU µs/req</th><th>client busy</th></tr>"
        for (index, run) in self.runs.enumerated() {
            for phase in run.phases {
                func ms(_ percentile: Double) -> String { String(format: "%.3f", (phase.seconds(atPercentile: percentile) ?? 0) * 1000) }
                html += "<tr><td><span style=\"color:\(self.color(index))\">■</span> \(SVGLineChart.escape(run.label))</td>"
                html += "<td>\(SVGLineChart.escape(phase.name))</td>"
                html += String(format: "<td>%.0f</td>", phase.requestsPerSecond)
                html += "<td>\(ms(50))</td><td>\(ms(99))</td><td>\(ms(99.9))</td>"
                html += String(format: "<td>%.3f</td>", phase.slowestSeconds * 1000)
                html += "<td>\(phase.succeeded)</td><td>\(phase.failed)</td>"
                html += String(format: "<td>%.1f</td><td>%.0f%%</td></tr>", run.client.cpuMicrosecondsPerRequest, run.client.busyFraction * 100)
            }
        }
        html += "</table>"
        let errors = self.runs.flatMap { run in run.phases.flatMap { phase in phase.errors.map { (run.label, phase.name, $0.key, $0.value) } } }
        if !errors.isEmpty {
            html += "<h3>Errors by kind</h3><table><tr><th>run</th><th>phase</th><th>count</th><th>error</th></tr>"
            for (label, phase, text, count) in errors {
                html += "<tr><td>\(SVGLineChart.escape(label))</td><td>\(SVGLineChart.escape(phase))</td><td>\(count)</td>"
                    + "<td style=\"text-align:left\">\(SVGLineChart.escape(text))</td></tr>"
            }
            html += "</table>"
        }
        return html
    }

    private func latencyOverTime() -> SVGLineChart {
        var series: [SVGLineChart.Series] = []
        for (index, run) in self.runs.enumerated() {
            guard let phase = Self.headline(run) else { continue }
            let slots = phase.timeSeries.filter { $0.requests > 0 }
            series.append(.init(name: "\(run.label) p50", color: self.color(index),
                                points: slots.map { ($0.offsetSeconds + $0.widthSeconds / 2, $0.p50Seconds * 1000) }))
            series.append(.init(name: "\(run.label) p99", color: self.color(index),
                                points: slots.map { ($0.offsetSeconds + $0.widthSeconds / 2, $0.p99Seconds * 1000) }, dashed: true))
        }
        return SVGLineChart(title: "Latency over time", xLabel: "seconds since the start", yLabel: "latency (ms)", series: series, xFrom: 0)
    }

    private func throughputOverTime() -> SVGLineChart {
        let series = self.runs.enumerated().compactMap { index, run -> SVGLineChart.Series? in
            guard let phase = Self.headline(run) else { return nil }
            // The last slot ends with the phase, not with its full width.
            return .init(name: run.label, color: self.color(index),
                         points: phase.timeSeries.map { slot in
                             let width = max(min(slot.widthSeconds, phase.totalSeconds - slot.offsetSeconds), 1e-3)
                             return (slot.offsetSeconds + width / 2, Double(slot.requests) / width)
                         })
        }
        return SVGLineChart(title: "Throughput over time", xLabel: "seconds since the start", yLabel: "requests/s", series: series, xFrom: 0)
    }

    private func percentileCurve() -> SVGLineChart {
        // x = log10(1 / (1 - p)): 90 % at 1, 99 % at 2, 99.9 % at 3 ...
        func x(_ percentile: Double) -> Double { log10(1 / max(1 - percentile / 100, 1e-6)) }
        let series = self.runs.enumerated().compactMap { index, run -> SVGLineChart.Series? in
            guard let phase = Self.headline(run) else { return nil }
            return .init(name: run.label, color: self.color(index),
                         points: phase.percentileCurve.filter { $0.percentile < 100 }.map { (x($0.percentile), $0.seconds * 1000) })
        }
        let ticks = [0, 90, 99, 99.9, 99.99, 99.999].map { SVGLineChart.Tick(value: x($0), label: "\(TextSummary.percentText($0))%") }
        return SVGLineChart(title: "Latency by percentile", xLabel: "percentile", yLabel: "latency (ms)", series: series, xTicks: ticks)
    }
}
