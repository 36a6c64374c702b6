import GoText

/// etcd's command line: `--flag=value` or `--flag value` (one dash works too, as with Go's
/// flag package), booleans as `--flag` or `--flag=true`.
public enum ServerFlags {
    public static let usage = """
    Usage: concord [flags]
           concord --config-file FILE

      --config-file                  YAML file of etcd's configuration keys; when given, the
                                     other flags are ignored (as in etcd)
      --name                         member name (default "default")
      --data-dir                     data directory (default "<name>.concord")
      --listen-client-urls           URLs to serve clients on (default http://localhost:2379)
      --advertise-client-urls        client URLs told to the cluster (default http://localhost:2379)
      --listen-peer-urls             URLs to serve peers on (default http://localhost:2380)
      --initial-advertise-peer-urls  peer URLs told to the cluster (default http://localhost:2380)
      --initial-cluster              name=peerURL,... of the initial members
      --initial-cluster-state        new or existing (default new)
      --initial-cluster-token        token that tells clusters apart (default etcd-cluster)
      --heartbeat-interval           ms between heartbeats (default 100)
      --election-timeout             ms before a follower campaigns (default 1000)
      --snapshot-count               applied entries between snapshots (default 100000)
      --experimental-snapshot-catchup-entries
                                     entries kept behind a snapshot for lagging followers (default 5000)
      --quota-backend-bytes          space quota of the key space (default 2 GiB)
      --max-request-bytes            largest request accepted (default 1572864)
      --grpc-keepalive-min-time      shortest interval between a client's pings (default 5s)
      --grpc-keepalive-interval      idle time before the server pings a client (default 2h)
      --grpc-keepalive-timeout       wait for a ping's answer before closing (default 20s)
      --log-level                    debug, info, warn or error (default info)
      --cert-file --key-file --trusted-ca-file --client-cert-auth             client TLS
      --peer-cert-file --peer-key-file --peer-trusted-ca-file --peer-client-cert-auth   peer TLS

    concord snapshot restore <file> --data-dir --name --initial-cluster --initial-cluster-token --initial-advertise-peer-urls
    concord snapshot status <file>
    """

    private static let booleans: Set<String> = ["client-cert-auth", "peer-client-cert-auth"]

    /// The flags as name → value, in order; errors for malformed ones.
    static func split(_ arguments: [String]) throws(ConfigurationError) -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                throw ConfigurationError("'\(argument)' is not a valid flag")
            }
            let body = argument.drop { $0 == "-" }
            if let equals = body.firstIndex(of: "=") {
                result.append((String(body[..<equals]), String(body[body.index(after: equals)...])))
            } else if booleans.contains(String(body)) {
                result.append((String(body), "true"))
            } else {
                guard index < arguments.count else { throw ConfigurationError("flag needs an argument: \(argument)") }
                result.append((String(body), arguments[index]))
                index += 1
            }
        }
        return result
    }

    public static func parse(_ arguments: [String]) throws(ConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        for (name, value) in try split(arguments) {
            try set(name, value, in: &configuration)
        }
        try configuration.validate()
        return configuration
    }

    static func set(_ name: String, _ value: String, in c: inout ServerConfiguration) throws(ConfigurationError) {
        switch name {
        case "name": c.name = value
        case "data-dir": c.dataDirectory = value
        case "listen-client-urls": c.listenClientURLs = try urls(value, name)
        case "advertise-client-urls": c.advertiseClientURLs = try urls(value, name)
        case "listen-peer-urls": c.listenPeerURLs = try urls(value, name)
        case "initial-advertise-peer-urls": c.initialAdvertisePeerURLs = try urls(value, name)
        case "initial-cluster": c.initialCluster = try cluster(value)
        case "initial-cluster-state":
            guard let state = ServerConfiguration.ClusterState(rawValue: value) else {
                throw ConfigurationError("invalid value \"\(value)\" for flag -initial-cluster-state: valid values are \"new\", \"existing\"")
            }
            c.initialClusterState = state
        case "initial-cluster-token": c.initialClusterToken = value
        case "heartbeat-interval": c.heartbeatInterval = .milliseconds(try integer(value, name))
        case "election-timeout": c.electionTimeout = .milliseconds(try integer(value, name))
        case "snapshot-count": c.snapshotCount = UInt64(try integer(value, name))
        case "experimental-snapshot-catchup-entries": c.snapshotCatchUpEntries = UInt64(try integer(value, name))
        case "quota-backend-bytes": c.quotaBackendBytes = Int(try integer(value, name))
        case "max-request-bytes": c.maxRequestBytes = Int(try integer(value, name))
        case "grpc-keepalive-min-time": c.grpcKeepaliveMinTime = try duration(value, name)
        case "grpc-keepalive-interval": c.grpcKeepaliveInterval = try duration(value, name)
        case "grpc-keepalive-timeout": c.grpcKeepaliveTimeout = try duration(value, name)
        case "log-level":
            guard ["debug", "info", "warn", "error", "panic", "fatal"].contains(value) else {
                throw ConfigurationError("unknown log level \"\(value)\"")
            }
            c.logLevel = value
        case "cert-file": c.clientTLS.certificateFile = value
        case "key-file": c.clientTLS.keyFile = value
        case "trusted-ca-file": c.clientTLS.trustedCAFile = value
        case "client-cert-auth": c.clientTLS.clientCertAuth = try boolean(value, name)
        case "peer-cert-file": c.peerTLS.certificateFile = value
        case "peer-key-file": c.peerTLS.keyFile = value
        case "peer-trusted-ca-file": c.peerTLS.trustedCAFile = value
        case "peer-client-cert-auth": c.peerTLS.clientCertAuth = try boolean(value, name)
        default: throw ConfigurationError("flag provided but not defined: -\(name)")
        }
    }

    private static func urls(_ value: String, _ flag: String) throws(ConfigurationError) -> [ServerURL] {
        let parts = value.split(separator: ",").map(String.init)
        guard !parts.isEmpty else { throw ConfigurationError("--\(flag) needs at least one URL") }
        var result: [ServerURL] = []
        for part in parts { result.append(try ServerURL(parsing: part)) }
        return result
    }

    private static func cluster(_ value: String) throws(ConfigurationError) -> [(name: String, peerURLs: [ServerURL])] {
        var members: [(name: String, peerURLs: [ServerURL])] = []
        for entry in value.split(separator: ",") {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ConfigurationError("--initial-cluster entry \"\(entry)\" is not name=URL")
            }
            let name = String(entry[..<equals])
            let url = try ServerURL(parsing: String(entry[entry.index(after: equals)...]))
            if let existing = members.firstIndex(where: { $0.name == name }) {
                members[existing].peerURLs.append(url)
            } else {
                members.append((name, [url]))
            }
        }
        guard !members.isEmpty else { throw ConfigurationError("--initial-cluster is empty") }
        return members
    }

    private static func integer(_ value: String, _ flag: String) throws(ConfigurationError) -> Int64 {
        guard let number = Int64(value), number >= 0 else {
            throw ConfigurationError("invalid value \"\(value)\" for flag -\(flag): parse error")
        }
        return number
    }

    private static func duration(_ value: String, _ flag: String) throws(ConfigurationError) -> Duration {
        guard let nanoseconds = try? GoDuration.parse(value), nanoseconds >= 0 else {
            throw ConfigurationError("invalid value \"\(value)\" for flag -\(flag): parse error")
        }
        return .nanoseconds(nanoseconds)
    }

    private static func boolean(_ value: String, _ flag: String) throws(ConfigurationError) -> Bool {
        switch value {
        case "true", "1": return true
        case "false", "0": return false
        default: throw ConfigurationError("invalid boolean value \"\(value)\" for -\(flag)")
        }
    }
}
