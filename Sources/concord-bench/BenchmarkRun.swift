import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// What every benchmark does around its workload: open the connections, measure the client's
/// CPU, show progress, then print etcd's report (or JSON), warn when the client was saturated
/// and write the HTML report.
struct BenchmarkRun {
    let global: GlobalOptions
    let benchmark: String
    let startedAt = Date()

    /// Runs `workload` on fresh connections and reports the phases it returns.
    func run(_ workload: (Connections, ProgressSource) async throws -> [LatencyRecorder]) async throws {
        let connections = try await Connections.open(self.global)
        let meter = ClientCPUMeter(threads: self.global.threads)
        let progress = ProgressSource(global: self.global, loop: connections.group.next())
        let recorders: [LatencyRecorder]
        do {
            recorders = try await workload(connections, progress)
        } catch {
            await progress.finish()
            await connections.close()
            throw error
        }
        await progress.finish()
        let phases = recorders.map { $0.result() }
        // Everything the client sent or received once: watch creations, puts and events count.
        let requests = zip(recorders, phases).reduce(0) { $0 + ($1.0.isBreakdown ? 0 : $1.1.succeeded + $1.1.failed) }
        let client = meter.usage(requests: requests)
        await connections.close()
        let result = RunResult(
            label: self.global.label ?? self.benchmark, benchmark: self.benchmark,
            arguments: Array(CommandLine.arguments.dropFirst()), endpoints: connections.endpoints,
            conns: self.global.conns, clients: self.global.clients,
            startedAt: ISO8601DateFormatter().string(from: self.startedAt), phases: phases, client: client)
        try self.emit(result)
    }

    private func emit(_ result: RunResult) throws {
        if self.global.output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(result))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            let summary = TextSummary(precise: self.global.precise)
            var text = ""
            for phase in result.phases {
                if result.phases.count > 1 { text += "\(phase.name) summary:\n" }
                text += summary.text(of: phase) + "\n"
            }
            text += summary.text(of: result.client)
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if result.client.saturated {
            let warning = String(
                format: "warning: concord-bench kept %d core(s) %.0f%% busy (%.1f µs of CPU per request): "
                    + "the figures may measure this client rather than the server; give it more cores or --threads\n",
                result.client.coresAvailable, result.client.busyFraction * 100, result.client.cpuMicrosecondsPerRequest)
            FileHandle.standardError.write(Data(warning.utf8))
        }
        if let report = self.global.report {
            try HTMLReport(runs: [result]).html().write(toFile: report, atomically: true, encoding: .utf8)
        }
    }
}

/// Hands the progress bar the phase in progress (a workload may have several).
final class ProgressSource: Sendable {
    private let enabled: Bool
    private let loop: any EventLoop
    private let current = NIOLockedValueBox<ProgressBar?>(nil)

    init(global: GlobalOptions, loop: any EventLoop) {
        self.enabled = global.output == nil
        self.loop = loop
    }

    /// Shows `recorder`'s progress towards `total` until the next phase or the end.
    func track(_ recorder: LatencyRecorder, total: Int) async {
        await self.finish()
        let bar = ProgressBar(total: total, enabled: self.enabled, on: self.loop) { recorder.completed }
        self.current.withLockedValue { $0 = bar }
    }

    func finish() async {
        let bar = self.current.withLockedValue { bar in
            defer { bar = nil }
            return bar
        }
        await bar?.finish()
    }
}
