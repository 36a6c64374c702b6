import ArgumentParser
import EtcdAPI
import GRPCWire

/// etcd benchmark's `txn-put`: `--total` transactions of `--txn-ops` unconditional puts each,
/// keys `(i * txn-ops + j) % key-space-size` (etcd 3.4's tool).
struct TxnPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "txn-put", abstract: "Benchmark txn-put")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("key-size"), help: "Key size of txn put")
    var keySize = 8

    @Option(name: .customLong("val-size"), help: "Value size of txn put")
    var valSize = 8

    @Option(name: .customLong("txn-ops"), help: "Number of puts per txn")
    var txnOps = 1

    @Option(help: "Maximum txns per second, open loop (0 is no limit, closed loop)")
    var rate = 0

    @Option(help: "Total number of txn requests")
    var total = 10000

    @Option(name: .customLong("key-space-size"), help: "Maximum possible keys")
    var keySpaceSize = 1

    func validate() throws {
        guard self.keySpaceSize > 0 else { throw ValidationError("expected positive --key-space-size, got (\(self.keySpaceSize))") }
        guard self.txnOps > 0 else { throw ValidationError("expected positive --txn-ops, got (\(self.txnOps))") }
        guard self.total >= 0, self.rate >= 0 else { throw ValidationError("--total and --rate must not be negative") }
    }

    func run() async throws {
        let keys = BenchmarkKeys(keySize: self.keySize, keySpaceSize: self.keySpaceSize, sequential: true)
        let value = BenchmarkKeys.randomValue(size: self.valSize)
        let txnOps = self.txnOps
        try await UnaryBenchmark.run(self.global, name: "txn-put", total: self.total, rate: self.rate) { index, client, done in
            var request = Etcdserverpb_TxnRequest()
            request.success = (0..<txnOps).map { op in
                var put = Etcdserverpb_PutRequest()
                put.key = keys.key(forRequest: index * txnOps + op)
                put.value = value
                var operation = Etcdserverpb_RequestOp()
                operation.requestPut = put
                return operation
            }
            client.unary(EtcdMethod.txn, request) { (result: Result<Etcdserverpb_TxnResponse, GRPCStatus>) in
                done(result.failure)
            }
        }
    }
}
