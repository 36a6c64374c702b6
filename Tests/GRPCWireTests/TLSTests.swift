import ProcessTestSupport
import Foundation
import Testing

/// Server TLS and mutual TLS with real clients; certificates made by openssl for each test.
@Suite("TLS and mutual TLS", .serialized)
struct TLSTests {
    @Test("etcdctl and grpcio over TLS; curl /health over HTTPS (h2 and HTTP/1.1)")
    func serverTLS() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TestServer.start([
            "--cert-file", certificates.serverCertificate, "--key-file", certificates.serverKey,
        ])
        let put = try await RealClients.etcdctl(server.endpoint, ["--cacert", certificates.ca, "put", "secure", "yes"])
        #expect(put.status == 0 && put.output == "OK\n", "\(put)")
        let get = try await RealClients.etcdctl(server.endpoint, ["--cacert", certificates.ca, "get", "secure"])
        #expect(get.output == "secure\nyes\n", "\(get)")
        let python = try await RealClients.grpcio("tls-put", port: server.port, ["--ca", certificates.ca])
        #expect(python.status == 0 && python.output.contains(#"["OK", ""]"#), "\(python)")
        for version in ["--http2", "--http1.1"] {
            let health = try await ChildProcess.run(
                "/usr/bin/curl", ["-s", version, "--cacert", certificates.ca, "https://localhost:\(server.port)/health"])
            #expect(health.output == #"{"health":"true"}"#, "\(version): \(health)")
        }
        // A client that does not trust the server's CA is refused.
        let untrusting = try await RealClients.etcdctl(server.endpoint, ["--dial-timeout=2s", "--command-timeout=3s", "get", "secure"])
        #expect(untrusting.status != 0, "\(untrusting)")
    }

    @Test("mutual TLS: a client certificate from the trusted CA is let in; none, or a stranger's, is refused")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TestServer.start([
            "--cert-file", certificates.serverCertificate, "--key-file", certificates.serverKey,
            "--trusted-ca-file", certificates.ca, "--client-cert-auth",
        ])
        let withCertificate = try await RealClients.etcdctl(
            server.endpoint,
            ["--cacert", certificates.ca, "--cert", certificates.clientCertificate, "--key", certificates.clientKey,
             "put", "mtls", "ok"])
        #expect(withCertificate.status == 0 && withCertificate.output == "OK\n", "\(withCertificate)")
        let withoutCertificate = try await RealClients.etcdctl(
            server.endpoint, ["--dial-timeout=2s", "--command-timeout=3s", "--cacert", certificates.ca, "put", "mtls", "no"])
        #expect(withoutCertificate.status != 0, "\(withoutCertificate)")
        let stranger = try await RealClients.etcdctl(
            server.endpoint,
            ["--dial-timeout=2s", "--command-timeout=3s", "--cacert", certificates.ca, "--cert", certificates.strangerCertificate,
             "--key", certificates.strangerKey, "put", "mtls", "no"])
        #expect(stranger.status != 0, "\(stranger)")

        let python = try await RealClients.grpcio(
            "tls-put", port: server.port,
            ["--ca", certificates.ca, "--cert", certificates.clientCertificate, "--key", certificates.clientKey])
        #expect(python.status == 0 && python.output.contains(#"["OK", ""]"#), "\(python)")
        let pythonWithout = try await RealClients.grpcio("tls-put", port: server.port, ["--ca", certificates.ca])
        #expect(pythonWithout.output.contains("UNAVAILABLE"), "\(pythonWithout)")
        // Nothing that was refused reached the store.
        let get = try await RealClients.etcdctl(
            server.endpoint,
            ["--cacert", certificates.ca, "--cert", certificates.clientCertificate, "--key", certificates.clientKey,
             "get", "mtls"])
        #expect(get.output == "mtls\nok\n", "\(get)")
    }
}
