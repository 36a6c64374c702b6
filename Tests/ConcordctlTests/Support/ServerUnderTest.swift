import ProcessTestSupport

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
    /// data in a fresh directory; returns when it serves requests.
    let launch: @Sendable (_ clientPort: Int, _ peerPort: Int) async throws -> RunningServer

    static let etcd = ServerUnderTest(name: "etcd 3.4") { clientPort, peerPort in
        let etcd = try await EtcdServer.start(clientPort: clientPort, peerPort: peerPort)
        return RunningServer { etcd.stop() }
    }
}

/// A started server.
struct RunningServer: Sendable {
    /// Kills the server, waits until it is gone, so its ports are free for the next one, and
    /// removes its data.
    let stop: @Sendable () -> Void
}
