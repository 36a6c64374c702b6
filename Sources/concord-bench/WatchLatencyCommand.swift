import ArgumentParser
import Foundation

/// etcd benchmark's `watch-latency`: one watcher per client (`--clients`, over `--conns`), all
/// on one key; `--put-total` puts at `--put-rate` from one client; each event's latency is the
/// time from its put being sent to the watcher receiving it.
struct WatchLatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch-latency", abstract: "Benchmark watch latency")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("put-total"), help: "Total number of put requests")
    var putTotal = 1000

    @Option(name: .customLong("put-rate"), help: "Number of keys to put per second")
    var putRate = 100

    @Option(name: .customLong("key-size"), help: "Key size of watch response")
    var keySize = 32

    @Option(name: .customLong("val-size"), help: "Value size of watch response")
    var valSize = 32

    func validate() throws {
        guard self.putTotal >= 0, self.putRate >= 0 else { throw ValidationError("--put-total and --put-rate must not be negative") }
    }

    func run() async throws {
        let key = BenchmarkKeys.randomValue(size: self.keySize)
        let load = WatchLoad(
            streams: self.global.clients, watchersPerStream: 1, watchedKey: { _ in key }, putTotal: self.putTotal,
            putRate: self.putRate, putClients: 1, valueSize: self.valSize, prevKV: false)
        try await BenchmarkRun(global: self.global, benchmark: "watch-latency").run { connections, progress in
            try await load.run(connections, progress: progress)
        }
    }
}
