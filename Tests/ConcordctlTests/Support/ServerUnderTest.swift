import Foundation
import NIOPosix

/// The server the commands run against. A comparison starts it twice on the same ports, each
/// time with a fresh data directory: once for etcdctl, once for concordctl. A single member
/// started the same way gets the same member and cluster IDs, the same term and the same
/// revisions, so both clients see the same answers, writes included.
///
/// `etcd` is Debian's etcd 3.4; Concord's server plugs in here with a launcher of its own, and
/// becomes the one every comparison uses by changing ``default``.
struct ServerUnderTest: Sendable {
    /// The server every ``Comparison`` runs against unless told otherwise.
    static let `default` = ServerUnderTest.etcd

    let name: String
    /// Starts one member listening for clients on `clientPort` (and peers on `peerPort`), its
    /// data in `dataDirectory`; returns when it serves requests.
    let launch: @Sendable (_ clientPort: Int, _ peerPort: Int, _ dataDirectory: String) async throws -> RunningServer

    static let etcd = ServerUnderTest(name: "etcd 3.4") { clientPort, peerPort, dataDirectory in
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let process = try ChildProcess(
            "/usr/bin/etcd",
            [
                "--name", "ctl-test", "--data-dir", dataDirectory, "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "ctl-test=\(peer)", "--log-level", "error", "--logger", "zap",
            ])
        let server = RunningServer(process: process, dataDirectory: dataDirectory)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let health = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "3", "\(client)/health"])
            if health.output.contains(#""health":"true""#) { return server }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stop()
        throw TestFailure("etcd did not become healthy: \(process.standardError.suffix(2000))")
    }
}

/// A started server; stopping it kills it and removes its data.
struct RunningServer: Sendable {
    let process: ChildProcess
    let dataDirectory: String

    /// Kills the server and waits until it is gone, so its ports are free for the next one.
    func stop() async {
        self.process.kill()
        _ = await self.process.waitForExit(timeout: .seconds(10))
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }
}

/// A TCP port that was free a moment ago (bound to port 0, then released).
enum FreePort {
    static func find() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }
}
