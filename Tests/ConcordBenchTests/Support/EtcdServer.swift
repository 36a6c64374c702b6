import Foundation
import NIOPosix

/// A real etcd 3.4 (Debian etcd-server), one member on free 127.0.0.1 ports, its data in a
/// fresh temporary directory that `stop()` removes; with certificates, clients need mutual TLS.
struct EtcdServer {
    let process: ChildProcess
    let clientPort: Int
    let dataDirectory: String

    var endpoint: String { "127.0.0.1:\(self.clientPort)" }

    static func start(tls certificates: TestCertificates? = nil) async throws -> EtcdServer {
        let clientPort = try FreePort.find()
        let peerPort = try FreePort.find()
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        let client = "\(certificates == nil ? "http" : "https")://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let process = try ChildProcess(
            "/usr/bin/etcd",
            [
                "--name", "bench-test", "--data-dir", dataDirectory, "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "bench-test=\(peer)", "--log-level", "warn", "--logger", "zap",
            ]
                + (certificates.map {
                    [
                        "--cert-file", $0.serverCertificate, "--key-file", $0.serverKey, "--trusted-ca-file", $0.ca,
                        "--client-cert-auth",
                    ]
                } ?? []))
        let server = EtcdServer(process: process, clientPort: clientPort, dataDirectory: dataDirectory)
        // Generous: beside the rest of scripts/test both cores are busy, and etcd's health
        // check needs a leader and a committed read.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let tlsArguments = certificates.map {
                ["--cacert", $0.ca, "--cert", $0.clientCertificate, "--key", $0.clientKey]
            } ?? []
            let health = try await ChildProcess.run(
                "/usr/bin/curl", ["-s", "--max-time", "3"] + tlsArguments + ["\(client)/health"])
            if health.output.contains(#""health":"true""#) { return server }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let failure = TestFailure(
            "etcd did not become healthy (running: \(process.isRunning)): \(process.standardError.suffix(3000))")
        server.stop()
        throw failure
    }

    func stop() {
        self.process.kill()
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }
}

/// A TCP port that was free a moment ago (bound to port 0, then released).
enum FreePort {
    static func find() throws -> Int {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
