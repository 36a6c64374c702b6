import ArgumentParser
import EtcdAPI
import GRPCWire

/// A read/write mix (not in etcd's tool): each request is a Range with probability
/// `--read-ratio`, else a Put, on keys drawn from `--key-space-size`. Reports reads, writes
/// and all requests as three phases.
struct MixedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mixed", abstract: "Benchmark a mix of range and put")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("read-ratio"), help: "Fraction of requests that are reads (0...1)")
    var readRatio = 0.9

    @Option(help: "Linearizable(l) or Serializable(s) reads")
    var consistency = "l"

    @Option(name: .customLong("key-size"), help: "Key size")
    var keySize = 8

    @Option(name: .customLong("val-size"), help: "Value size of the puts")
    var valSize = 8

    @Option(name: .customLong("key-space-size"), help: "Maximum possible keys")
    var keySpaceSize = 1000

    @Option(help: "Requests per second, open loop (0 is no limit, closed loop)")
    var rate = 0

    @Option(help: "Total number of requests")
    var total = 10000

    func validate() throws {
        guard (0...1).contains(self.readRatio) else { throw ValidationError("--read-ratio is between 0 and 1") }
        guard ["l", "s"].contains(self.consistency) else { throw ValidationError("--consistency is l or s") }
        guard self.keySpaceSize > 0 else { throw ValidationError("expected positive --key-space-size, got (\(self.keySpaceSize))") }
        guard self.total >= 0, self.rate >= 0 else { throw ValidationError("--total and --rate must not be negative") }
    }

    func run() async throws {
        let keys = BenchmarkKeys(keySize: self.keySize, keySpaceSize: self.keySpaceSize, sequential: false)
        let value = BenchmarkKeys.randomValue(size: self.valSize)
        let serializable = self.consistency == "s"
        // Reads are the requests whose (hashed) index falls below the ratio: repeatable, and
        // a function of the index alone, so the load and the report agree on each request's kind.
        let threshold = Int(self.readRatio * Double(Int.max >> 1))
        let isRead: @Sendable (Int) -> Bool = { BenchmarkKeys.spread($0 &+ 0x5eed) >> 1 < threshold }
        try await UnaryBenchmark.run(
            self.global, name: "mixed", total: self.total, rate: self.rate, kinds: ["mixed-range", "mixed-put"],
            kind: { isRead($0) ? 0 : 1 }
        ) { index, client, done in
            if isRead(index) {
                var request = Etcdserverpb_RangeRequest()
                request.key = keys.key(forRequest: index)
                request.serializable = serializable
                client.unary(EtcdMethod.range, request) { (result: Result<Etcdserverpb_RangeResponse, GRPCStatus>) in
                    done(result.failure)
                }
            } else {
                var request = Etcdserverpb_PutRequest()
                request.key = keys.key(forRequest: index)
                request.value = value
                client.unary(EtcdMethod.put, request) { (result: Result<Etcdserverpb_PutResponse, GRPCStatus>) in
                    done(result.failure)
                }
            }
        }
    }
}
