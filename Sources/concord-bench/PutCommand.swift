import ArgumentParser
import EtcdAPI
import GRPCWire

/// etcd benchmark's `put`: `--total` puts of `--val-size` bytes to `--key-size`-byte keys.
struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Benchmark put")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("key-size"), help: "Key size of put request")
    var keySize = 8

    @Option(name: .customLong("val-size"), help: "Value size of put request")
    var valSize = 8

    @Option(help: "Puts per second, open loop: latency counts from when a put was due (0 is no limit, closed loop)")
    var rate = 0

    @Option(help: "Total number of put requests")
    var total = 10000

    @Option(name: .customLong("key-space-size"), help: "Maximum possible keys")
    var keySpaceSize = 1

    @Flag(name: .customLong("sequential-keys"), help: "Use sequential keys")
    var sequentialKeys = false

    func validate() throws {
        guard self.keySpaceSize > 0 else { throw ValidationError("expected positive --key-space-size, got (\(self.keySpaceSize))") }
        guard self.total >= 0, self.rate >= 0 else { throw ValidationError("--total and --rate must not be negative") }
    }

    func run() async throws {
        let keys = BenchmarkKeys(keySize: self.keySize, keySpaceSize: self.keySpaceSize, sequential: self.sequentialKeys)
        let value = BenchmarkKeys.randomValue(size: self.valSize)
        try await UnaryBenchmark.run(self.global, name: "put", total: self.total, rate: self.rate) { index, client, done in
            var request = Etcdserverpb_PutRequest()
            request.key = keys.key(forRequest: index)
            request.value = value
            client.unary(EtcdMethod.put, request) { (result: Result<Etcdserverpb_PutResponse, GRPCStatus>) in
                done(result.failure)
            }
        }
    }
}

extension Result {
    /// The failure, or nil on success.
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
