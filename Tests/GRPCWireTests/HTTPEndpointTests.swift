import ProcessTestSupport
import Foundation
import Testing

/// HTTP/1.1 on the gRPC port, as etcd's client port serves /health, /version and /metrics.
@Suite("HTTP endpoints on the gRPC port (curl)", .serialized)
struct HTTPEndpointTests {
    static func curl(_ arguments: [String]) async throws -> (status: Int32?, output: String, errors: String) {
        try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "10"] + arguments)
    }

    @Test("GET /health, /version and /metrics over HTTP/1.1 on the port that serves gRPC")
    func http1() async throws {
        let server = try await TestServer.start()
        let base = "http://127.0.0.1:\(server.port)"
        let health = try await Self.curl(["--http1.1", "\(base)/health"])
        #expect(health.output == #"{"health":"true"}"#, "\(health)")
        let version = try await Self.curl(["--http1.1", "\(base)/version"])
        #expect(version.output.contains(#""etcdserver":"#), "\(version)")
        let metrics = try await Self.curl(["--http1.1", "\(base)/metrics"])
        #expect(metrics.output.contains("# TYPE grpcwire_test_watch_streams gauge"), "\(metrics)")
        let missing = try await Self.curl(["--http1.1", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/nope"])
        #expect(missing.output == "404", "\(missing)")
        // gRPC still works on the same port.
        let put = try await RealClients.etcdctl(server.endpoint, ["put", "a", "b"])
        #expect(put.status == 0, "\(put)")
    }

    @Test("GET /health over HTTP/2 with prior knowledge")
    func http2() async throws {
        let server = try await TestServer.start()
        let health = try await Self.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(server.port)/health"])
        #expect(health.output == #"{"health":"true"}"#, "\(health)")
    }

    @Test("a POST with a content-type other than application/grpc gets HTTP 415")
    func wrongContentType() async throws {
        let server = try await TestServer.start()
        let result = try await Self.curl([
            "--http2-prior-knowledge", "-X", "POST", "-H", "content-type: text/plain", "--data", "x", "-D", "-",
            "-o", "/dev/null", "http://127.0.0.1:\(server.port)/etcdserverpb.KV/Put",
        ])
        #expect(result.output.hasPrefix("HTTP/2 415"), "\(result)")
        #expect(result.output.contains("grpc-status: 13"), "\(result)")
    }
}
