import Foundation
import NIOConcurrencyHelpers

/// A real etcd 3.4 (Debian etcd-server), one member on 127.0.0.1, its data in a fresh temporary
/// directory that `stop()` removes; with certificates, clients need mutual TLS.
public struct EtcdServer: Sendable {
    public let process: ChildProcess
    public let clientPort: Int
    public let dataDirectory: String

    public var endpoint: String { "127.0.0.1:\(self.clientPort)" }

    /// Starts etcd on free ports, or on the ports given: a test that starts etcd again on the
    /// same ports gets the same member and cluster IDs, so the same answers.
    public static func start(
        tls certificates: TestCertificates? = nil, clientPort: Int? = nil, peerPort: Int? = nil
    ) async throws -> EtcdServer {
        let clientPort = try clientPort ?? FreePort.find()
        let peerPort = try peerPort ?? FreePort.find()
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        let client = "\(certificates == nil ? "http" : "https")://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let tls =
            certificates.map {
                ["--cert-file", $0.serverCertificate, "--key-file", $0.serverKey, "--trusted-ca-file", $0.ca, "--client-cert-auth"]
            } ?? []
        let process = try ChildProcess(
            "/usr/bin/etcd",
            [
                "--name", "test", "--data-dir", dataDirectory, "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=\(peer)", "--log-level", "warn", "--logger", "zap",
            ] + tls)
        let curlTLS = certificates.map { ["--cacert", $0.ca, "--cert", $0.clientCertificate, "--key", $0.clientKey] } ?? []
        let server = EtcdServer(process: process, clientPort: clientPort, dataDirectory: dataDirectory)
        // Generous: beside the simulator in scripts/test both cores are busy, and etcd's health
        // check needs a leader and a committed read.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let health = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "3"] + curlTLS + ["\(client)/health"])
            if health.output.contains(#""health":"true""#) { return server }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let failure = TestFailure(
            "etcd did not become healthy (running: \(process.isRunning)): \(process.standardError.suffix(3000))")
        server.stop()
        throw failure
    }

    public func stop() {
        self.process.kill()
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }
}

/// A TCP port that was free a moment ago. Chosen below Linux's ephemeral range (32768 and up),
/// so that no outgoing connection of a parallel test takes it between the check and the bind,
/// and never handed out twice in one test run.
public enum FreePort {
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    public static func find() throws -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: 20000..<32000)
            let fresh = handedOut.withLockedValue { $0.insert(port).inserted }
            if fresh && Self.canBind(port) { return port }
        }
        throw TestFailure("no free port found")
    }

    /// Binds `port` on 127.0.0.1 and lets it go. The socket is close-on-exec (SwiftNIO's are
    /// not): a process that a parallel test spawns meanwhile would inherit it and keep the port
    /// taken for as long as it runs.
    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
