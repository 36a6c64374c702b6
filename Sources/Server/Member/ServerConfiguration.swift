/// Everything a member is started with, in etcd's terms and with etcd's defaults.
public struct ServerConfiguration: Sendable, Equatable {
    public enum ClusterState: String, Sendable {
        case new, existing
    }

    public struct TLSFiles: Sendable, Equatable {
        public var certificateFile: String?
        public var keyFile: String?
        public var trustedCAFile: String?
        public var clientCertAuth = false

        public init() {}

        var isEmpty: Bool { certificateFile == nil && keyFile == nil && trustedCAFile == nil && !clientCertAuth }
    }

    public var name = "default"
    /// Defaults to `<name>.concord` (etcd: `<name>.etcd`).
    public var dataDirectory: String?
    public var listenClientURLs = [try! ServerURL(parsing: "http://localhost:2379")]
    public var advertiseClientURLs = [try! ServerURL(parsing: "http://localhost:2379")]
    public var listenPeerURLs = [try! ServerURL(parsing: "http://localhost:2380")]
    public var initialAdvertisePeerURLs = [try! ServerURL(parsing: "http://localhost:2380")]
    /// `name=url,...`; defaults to this member alone at its advertised peer URLs.
    public var initialCluster: [(name: String, peerURLs: [ServerURL])]?
    public var initialClusterState = ClusterState.new
    public var initialClusterToken = "etcd-cluster"
    public var heartbeatInterval: Duration = .milliseconds(100)
    public var electionTimeout: Duration = .milliseconds(1000)
    /// Applied entries between automatic snapshots (etcd 3.4: 100,000).
    public var snapshotCount: UInt64 = 100_000
    /// Entries kept behind a snapshot for followers that lag a little (etcd 3.5's
    /// `--experimental-snapshot-catchup-entries`).
    public var snapshotCatchUpEntries: UInt64 = 5_000
    /// 0 means the default, 2 GiB.
    public var quotaBackendBytes: Int = 0
    /// etcd's `--max-request-bytes` (1.5 MiB).
    public var maxRequestBytes = 1_572_864
    public var logLevel = "info"
    /// etcd's `--grpc-keepalive-min-time`: clients pinging more often are sent away.
    public var grpcKeepaliveMinTime: Duration = .seconds(5)
    /// etcd's `--grpc-keepalive-interval`: the server pings a connection silent this long.
    public var grpcKeepaliveInterval: Duration = .seconds(2 * 3600)
    /// etcd's `--grpc-keepalive-timeout`: an unanswered ping closes the connection after this.
    public var grpcKeepaliveTimeout: Duration = .seconds(20)
    public var clientTLS = TLSFiles()
    public var peerTLS = TLSFiles()

    public init() {}

    public var resolvedDataDirectory: String { dataDirectory ?? "\(name).concord" }

    public var resolvedInitialCluster: [(name: String, peerURLs: [ServerURL])] {
        initialCluster ?? [(name, initialAdvertisePeerURLs)]
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.dataDirectory == b.dataDirectory && a.listenClientURLs == b.listenClientURLs
            && a.advertiseClientURLs == b.advertiseClientURLs && a.listenPeerURLs == b.listenPeerURLs
            && a.initialAdvertisePeerURLs == b.initialAdvertisePeerURLs
            && a.initialCluster.map { $0.map { "\($0.name)=\($0.peerURLs)" } } == b.initialCluster.map { $0.map { "\($0.name)=\($0.peerURLs)" } }
            && a.initialClusterState == b.initialClusterState && a.initialClusterToken == b.initialClusterToken
            && a.heartbeatInterval == b.heartbeatInterval && a.electionTimeout == b.electionTimeout
            && a.snapshotCount == b.snapshotCount && a.snapshotCatchUpEntries == b.snapshotCatchUpEntries && a.quotaBackendBytes == b.quotaBackendBytes
            && a.maxRequestBytes == b.maxRequestBytes && a.logLevel == b.logLevel
            && a.grpcKeepaliveMinTime == b.grpcKeepaliveMinTime && a.grpcKeepaliveInterval == b.grpcKeepaliveInterval
            && a.grpcKeepaliveTimeout == b.grpcKeepaliveTimeout
    }

    /// Checks what etcd checks before it starts: this member in the initial cluster with the
    /// peer URLs it advertises, sane timeouts, TLS files in pairs.
    public func validate() throws(ConfigurationError) {
        let cluster = resolvedInitialCluster
        guard let own = cluster.first(where: { $0.name == name }) else {
            throw ConfigurationError("couldn't find local name \"\(name)\" in the initial cluster configuration")
        }
        if Set(own.peerURLs.map(\.description)) != Set(initialAdvertisePeerURLs.map(\.description)) {
            throw ConfigurationError("--initial-cluster has \(name)=\(own.peerURLs.map(\.description).joined(separator: ",")) but missing from --initial-advertise-peer-urls=\(initialAdvertisePeerURLs.map(\.description).joined(separator: ","))")
        }
        if Set(cluster.map(\.name)).count != cluster.count {
            throw ConfigurationError("--initial-cluster has a name twice")
        }
        if heartbeatInterval <= .zero { throw ConfigurationError("--heartbeat-interval must be positive") }
        if electionTimeout < heartbeatInterval * 5 {
            throw ConfigurationError("--election-timeout[\(electionTimeout.milliseconds)ms] should be at least as 5 times as --heartbeat-interval[\(heartbeatInterval.milliseconds)ms]")
        }
        if snapshotCount == 0 { throw ConfigurationError("--snapshot-count must be positive") }
        if maxRequestBytes <= 0 { throw ConfigurationError("--max-request-bytes must be positive") }
        if grpcKeepaliveInterval <= .zero || grpcKeepaliveTimeout <= .zero || grpcKeepaliveMinTime < .zero {
            throw ConfigurationError("--grpc-keepalive-interval and --grpc-keepalive-timeout must be positive, --grpc-keepalive-min-time not negative")
        }
        if quotaBackendBytes < 0 { throw ConfigurationError("--quota-backend-bytes must not be negative") }
        for (flags, tls) in [("--cert-file/--key-file", clientTLS), ("--peer-cert-file/--peer-key-file", peerTLS)] {
            if (tls.certificateFile == nil) != (tls.keyFile == nil) { throw ConfigurationError("\(flags) must be given together") }
        }
        if listenClientURLs.contains(where: \.isTLS) && clientTLS.certificateFile == nil {
            throw ConfigurationError("TLS client URLs need --cert-file and --key-file")
        }
        if listenPeerURLs.contains(where: \.isTLS) && peerTLS.certificateFile == nil {
            throw ConfigurationError("TLS peer URLs need --peer-cert-file and --peer-key-file")
        }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
