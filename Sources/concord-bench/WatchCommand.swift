import ArgumentParser
import Foundation

/// etcd benchmark's `watch`: `--streams` streams of `--watch-per-stream` watchers on keys of the
/// key space, then `--put-total` puts to the watched keys; reports watcher creation, the puts,
/// and the events delivered (events per second, and each event's latency from its put).
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Benchmark watch")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Total watch streams")
    var streams = 10

    @Option(name: .customLong("watch-per-stream"), help: "Total watchers per stream")
    var watchPerStream = 100

    @Flag(help: "Get previous key")
    var prevkey = false

    @Option(name: .customLong("put-rate"), help: "Number of keys to put per second (0 is no limit)")
    var putRate = 0

    @Option(name: .customLong("put-total"), help: "Number of put requests")
    var putTotal = 1000

    @Option(name: .customLong("key-size"), help: "Key size of watch request")
    var keySize = 32

    @Option(name: .customLong("val-size"), help: "Value size of the puts (at least the 8-byte send time they carry)")
    var valSize = 8

    @Option(name: .customLong("key-space-size"), help: "Maximum possible keys")
    var keySpaceSize = 1

    @Flag(name: .customLong("sequential-keys"), help: "Use sequential keys")
    var sequentialKeys = false

    func validate() throws {
        guard self.streams > 0, self.watchPerStream > 0 else { throw ValidationError("--streams and --watch-per-stream must be positive") }
        guard self.keySpaceSize > 0 else { throw ValidationError("expected positive --key-space-size, got (\(self.keySpaceSize))") }
        guard self.putTotal >= 0, self.putRate >= 0 else { throw ValidationError("--put-total and --put-rate must not be negative") }
    }

    func run() async throws {
        let keys = BenchmarkKeys(keySize: self.keySize, keySpaceSize: self.keySpaceSize, sequential: self.sequentialKeys)
        let load = WatchLoad(
            streams: self.streams, watchersPerStream: self.watchPerStream, watchedKey: { keys.key(forRequest: $0) },
            putTotal: self.putTotal, putRate: self.putRate, putClients: self.global.clients, valueSize: self.valSize,
            prevKV: self.prevkey)
        try await BenchmarkRun(global: self.global, benchmark: "watch").run { connections, progress in
            try await load.run(connections, progress: progress)
        }
    }
}
