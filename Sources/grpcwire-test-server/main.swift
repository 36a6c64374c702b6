import EtcdAPI
import Foundation
import GRPCWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A gRPC server on GRPCWire with an in-memory etcd KV: what the GRPCWire tests run real
/// clients (etcdctl, Python grpcio) against, and what the CPU-per-call benchmark measures.
///
/// Flags: --port N (0: a free port) --threads N --max-request-bytes N
///        --max-control-frames N --control-frame-window-seconds N --shutdown-grace-seconds N
///        --cert-file F --key-file F --trusted-ca-file F --client-cert-auth
///        --multiplexer (benchmark only: KV.Put alone, behind swift-nio-http2's stream
///        multiplexer instead of GRPCWire; see MultiplexedPutServer)
/// Prints "listening on <port>" once it serves; SIGTERM shuts it down gracefully (GOAWAY).
struct Options {
    var host = "127.0.0.1"
    var port = 0
    var threads = 1
    var maxRequestBytes = GRPCLimits.etcdMaxRequestBytes
    var tls = GRPCTLSFiles()
    var tlsEnabled = false
    /// Overrides GRPCLimits' control-frame limit: lets a test show the PING trap it guards.
    var maxControlFrames: Int?
    var controlFrameWindowSeconds: Int?
    var shutdownGraceSeconds: Int?
    var multiplexer = false

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst() else { throw OptionError("\(flag) needs a value") }
            return value
        }
        func number(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else { throw OptionError("\(flag): not a number: \(text)") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--host": self.host = try value(flag)
            case "--port": self.port = try number(flag)
            case "--threads": self.threads = max(1, try number(flag))
            case "--max-request-bytes": self.maxRequestBytes = try number(flag)
            case "--cert-file": self.tls.certificateFile = try value(flag); self.tlsEnabled = true
            case "--key-file": self.tls.keyFile = try value(flag); self.tlsEnabled = true
            case "--trusted-ca-file": self.tls.trustedCAFile = try value(flag)
            case "--client-cert-auth": self.tls.requireClientCertificate = true
            case "--max-control-frames": self.maxControlFrames = max(1, try number(flag))
            case "--control-frame-window-seconds": self.controlFrameWindowSeconds = max(1, try number(flag))
            case "--shutdown-grace-seconds": self.shutdownGraceSeconds = try number(flag)
            case "--multiplexer": self.multiplexer = true
            default: throw OptionError("unknown flag \(flag)")
            }
        }
    }
}

struct OptionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let options: Options
do {
    options = try Options(CommandLine.arguments.dropFirst())
} catch {
    FileHandle.standardError.write(Data("grpcwire-test-server: \(error)\n".utf8))
    exit(2)
}

let kv = MemoryKV(clusterID: 0x1c0_ffee, memberID: 0x8e9e_05c5_2164_694d)
let services = TestServices(kv: kv, maxRequestBytes: options.maxRequestBytes)
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
/// The server, once started: the /metrics page reads its connection counts.
let running = NIOLockedValueBox<GRPCServer?>(nil)
var limits = GRPCLimits()
limits.maxReceiveMessageBytes = options.maxRequestBytes + GRPCLimits.etcdGRPCOverheadBytes
if let count = options.maxControlFrames { limits.maxControlFramesPerWindow = count }
if let seconds = options.controlFrameWindowSeconds { limits.controlFrameWindow = .seconds(Int64(seconds)) }
if let seconds = options.shutdownGraceSeconds { limits.shutdownGracePeriod = .seconds(Int64(seconds)) }
let configuration = GRPCServer.Configuration(
    host: options.host, port: options.port, methods: services.methods, limits: limits,
    tls: options.tlsEnabled ? options.tls : nil,
    httpEndpoints: { path in
        switch path {
        case "/health":
            return HTTPEndpointResponse(contentType: "application/json", body: #"{"health":"true"}"#)
        case "/version":
            return HTTPEndpointResponse(
                contentType: "application/json",
                body: #"{"etcdserver":"\#(TestServices.version)","etcdcluster":"3.4.0"}"#)
        case "/metrics":
            return HTTPEndpointResponse(
                contentType: "text/plain; version=0.0.4",
                body: """
                    # HELP grpcwire_test_watch_streams Watch streams open.
                    # TYPE grpcwire_test_watch_streams gauge
                    grpcwire_test_watch_streams \(kv.watchStreamCount)
                    # HELP grpcwire_test_revision The key space's revision.
                    # TYPE grpcwire_test_revision gauge
                    grpcwire_test_revision \(kv.revision)
                    # HELP grpcwire_connections_accepted_total Connections accepted since the start.
                    # TYPE grpcwire_connections_accepted_total counter
                    grpcwire_connections_accepted_total \(running.withLockedValue { $0?.connectionsAccepted ?? 0 })
                    # HELP grpcwire_connections_open Connections open now.
                    # TYPE grpcwire_connections_open gauge
                    grpcwire_connections_open \(running.withLockedValue { $0?.connectionsOpen ?? 0 })

                    """)
        default:
            return nil
        }
    })

/// Stops serving: GRPCWire's graceful shutdown, or closing the multiplexer variant's listener.
let stop: @Sendable () async -> Void
do {
    if options.multiplexer {
        let listener = try await MultiplexedPutServer.start(host: options.host, port: options.port, kv: kv, group: group)
        stop = { try? await listener.close() }
        FileHandle.standardOutput.write(Data("listening on \(listener.localAddress?.port ?? 0)\n".utf8))
    } else {
        let server = try await GRPCServer.start(configuration, group: group)
        running.withLockedValue { $0 = server }
        stop = { await server.shutdown() }
        FileHandle.standardOutput.write(Data("listening on \(server.port)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("grpcwire-test-server: cannot start: \(error)\n".utf8))
    exit(1)
}

signal(SIGTERM, SIG_IGN)
let terms = DispatchSource.makeSignalSource(signal: SIGTERM)
let stopped = AsyncStream<Void> { continuation in
    terms.setEventHandler { continuation.yield() }
    terms.resume()
}
for await _ in stopped { break }
await stop()
try await group.shutdownGracefully()
FileHandle.standardOutput.write(Data("stopped\n".utf8))
