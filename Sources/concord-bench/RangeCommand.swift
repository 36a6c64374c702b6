import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire

/// etcd benchmark's `range key [end-range]`: `--total` Range requests, linearizable or serializable.
struct RangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "range", abstract: "Benchmark range")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key to read")
    var key: String

    @Argument(help: "The end of the range [key, end-range)")
    var endRange: String?

    @Option(help: "Range requests per second, open loop (0 is no limit, closed loop)")
    var rate = 0

    @Option(help: "Total number of range requests")
    var total = 10000

    @Option(help: "Linearizable(l) or Serializable(s)")
    var consistency = "l"

    func validate() throws {
        guard ["l", "s"].contains(self.consistency) else { throw ValidationError("--consistency is l or s") }
        guard self.total >= 0, self.rate >= 0 else { throw ValidationError("--total and --rate must not be negative") }
    }

    func run() async throws {
        if self.global.output == nil {
            print(self.consistency == "l" ? "bench with linearizable range" : "bench with serializable range")
        }
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(self.key.utf8)
        if let endRange = self.endRange { request.rangeEnd = Data(endRange.utf8) }
        request.serializable = self.consistency == "s"
        try await UnaryBenchmark.run(self.global, name: "range", total: self.total, rate: self.rate) { [request] _, client, done in
            client.unary(EtcdMethod.range, request) { (result: Result<Etcdserverpb_RangeResponse, GRPCStatus>) in
                done(result.failure)
            }
        }
    }
}
