import ArgumentParser
import Foundation
import GRPCWire
import GoText
import NIOCore

/// The flags every benchmark takes: etcd benchmark's persistent flags (same names, same
/// defaults) and concord-bench's own (`--report`, `--label`, `--threads`).
struct GlobalOptions: ParsableArguments {
    @Option(help: "gRPC endpoints, comma-separated (host:port or http(s)://host:port).")
    var endpoints: String = "127.0.0.1:2379"

    @Option(help: "Total number of gRPC connections.")
    var conns: Int = 1

    @Option(help: "Total number of gRPC clients (concurrent requests), spread over the connections.")
    var clients: Int = 1

    @Option(name: .customLong("dial-timeout"), help: "Dial timeout for client connections (e.g. 2s, 500ms; 0 is 5s).")
    var dialTimeout: BenchDuration = BenchDuration(nanoseconds: 0)

    @Flag(name: .customLong("target-leader"), help: "Connect only to the leader.")
    var targetLeader = false

    @Flag(help: "Use full floating point precision in the text output.")
    var precise = false

    @Option(help: "Output format: json, or nothing for etcd's text.")
    var output: OutputFormat?

    @Option(help: "Identify the client with this TLS certificate file (PEM).")
    var cert: String?

    @Option(help: "The TLS key file of --cert (PEM).")
    var key: String?

    @Option(help: "Verify servers' certificates with this CA bundle (PEM); TLS is on when any TLS flag is given.")
    var cacert: String?

    @Option(help: "Also write an HTML report (latency over time, percentile curve) to this file.")
    var report: String?

    @Option(help: "A name for this run in JSON output and reports (default: the command).")
    var label: String?

    @Option(help: "Event-loop threads of the client (default 1: one core drives thousands of calls).")
    var threads: Int = 1

    enum OutputFormat: String, ExpressibleByArgument {
        case json
    }

    func validate() throws {
        guard self.conns > 0 else { throw ValidationError("--conns must be positive") }
        guard self.clients > 0 else { throw ValidationError("--clients must be positive") }
        guard self.threads > 0 else { throw ValidationError("--threads must be positive") }
        guard (self.cert == nil) == (self.key == nil) else { throw ValidationError("--cert and --key go together") }
        guard !self.endpointList.isEmpty else { throw ValidationError("--endpoints names no endpoint") }
    }

    /// `host:port` of each endpoint; a scheme is accepted and dropped (TLS comes from the flags).
    var endpointList: [String] {
        self.endpoints.split(separator: ",").map { endpoint in
            var endpoint = endpoint.trimmingCharacters(in: .whitespaces)
            for scheme in ["http://", "https://", "unix://"] where endpoint.hasPrefix(scheme) {
                endpoint.removeFirst(scheme.count)
            }
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            return endpoint
        }.filter { !$0.isEmpty }
    }

    var tls: GRPCTLSFiles? {
        guard self.cert != nil || self.cacert != nil else { return nil }
        return GRPCTLSFiles(certificateFile: self.cert, keyFile: self.key, trustedCAFile: self.cacert)
    }

    var connectTimeout: TimeAmount {
        self.dialTimeout.nanoseconds > 0 ? .nanoseconds(self.dialTimeout.nanoseconds) : .seconds(5)
    }
}

/// A Go-style duration flag value (`5s`, `500ms`, `1m30s`), as etcd's flags take them.
struct BenchDuration: ExpressibleByArgument, Sendable {
    var nanoseconds: Int64

    init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    init?(argument: String) {
        guard let nanoseconds = try? GoDuration.parse(argument), nanoseconds >= 0 else { return nil }
        self.nanoseconds = nanoseconds
    }
}
