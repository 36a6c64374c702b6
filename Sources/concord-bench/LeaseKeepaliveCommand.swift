import ArgumentParser
import EtcdAPI
import GRPCWire
import NIOConcurrencyHelpers

/// etcd benchmark's `lease-keepalive`: each client grants a lease (TTL 100 s), then the clients
/// share `--total` keep-alives, each sent on the client's LeaseKeepAlive stream and timed until
/// its response.
struct LeaseKeepaliveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lease-keepalive", abstract: "Benchmark lease keepalive")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Total number of lease keepalive requests")
    var total = 10000

    func validate() throws {
        guard self.total >= 0 else { throw ValidationError("--total must not be negative") }
    }

    func run() async throws {
        let total = self.total
        let clients = min(self.global.clients, max(total, 1))
        try await BenchmarkRun(global: self.global, benchmark: "lease-keepalive").run { connections, progress in
            var grant = Etcdserverpb_LeaseGrantRequest()
            grant.ttl = 100
            var leases: [Int64] = []
            for client in 0..<clients {
                let response: Etcdserverpb_LeaseGrantResponse = try await connections.client(for: client).unary(
                    EtcdMethod.leaseGrant, grant, timeout: .seconds(30))
                leases.append(response.id)
            }
            let recorder = LatencyRecorder(name: "lease-keepalive")
            await progress.track(recorder, total: total)
            let next = NIOLockedValueBox(0)
            await withTaskGroup(of: Void.self) { tasks in
                for (client, lease) in leases.enumerated() {
                    tasks.addTask {
                        await Self.keepAlive(
                            lease: lease, on: connections.client(for: client), next: next, total: total, recorder: recorder)
                    }
                }
            }
            recorder.finish()
            return [recorder]
        }
    }

    /// Sends keep-alives one at a time on one stream until the shared count reaches `total`.
    private static func keepAlive(
        lease: Int64, on client: GRPCClient, next: NIOLockedValueBox<Int>, total: Int, recorder: LatencyRecorder
    ) async {
        func take() -> Bool {
            next.withLockedValue { next in
                guard next < total else { return false }
                next += 1
                return true
            }
        }
        var request = Etcdserverpb_LeaseKeepAliveRequest()
        request.id = lease
        do {
            let stream: GRPCClientStream<Etcdserverpb_LeaseKeepAliveRequest, Etcdserverpb_LeaseKeepAliveResponse> =
                try await client.stream(EtcdMethod.leaseKeepAlive)
            var responses = stream.responses.makeAsyncIterator()
            while take() {
                let start = MonotonicClock.nanoseconds()
                try stream.send(request)
                guard try await responses.next() != nil else {
                    throw GRPCStatus(.unavailable, "keep-alive stream ended")
                }
                recorder.record(start: start, end: MonotonicClock.nanoseconds())
            }
            stream.finishSending()
            stream.cancel()
        } catch {
            let text = (error as? GRPCStatus)?.etcdBenchmarkText ?? "\(error)"
            // The requests this client would have sent fail with it.
            while take() { recorder.recordError(text) }
        }
    }
}
