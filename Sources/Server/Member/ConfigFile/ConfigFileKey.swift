/// The keys of etcd's `--config-file` that Concord knows: etcd 3.4's `etcd.conf.yml.sample`
/// names, each mapped onto the command-line flag it stands for, so that the file and the
/// flags share one parser (`ServerFlags.set`) and give the same values the same meaning.
struct ConfigFileKey: Sendable {
    /// The YAML type etcd's file has for the key. etcd decodes the file into Go fields, so a
    /// quoted number for an integer (or a bare number for a string) is an error there, and here.
    enum Kind: String, Sendable {
        case string, integer, boolean
    }

    let flag: String
    let kind: Kind

    /// Top-level keys. URLs and `initial-cluster` are comma-separated strings, as in etcd.
    static let topLevel: [String: ConfigFileKey] = [
        "name": .init(flag: "name", kind: .string),
        "data-dir": .init(flag: "data-dir", kind: .string),
        "listen-client-urls": .init(flag: "listen-client-urls", kind: .string),
        "advertise-client-urls": .init(flag: "advertise-client-urls", kind: .string),
        "listen-peer-urls": .init(flag: "listen-peer-urls", kind: .string),
        "initial-advertise-peer-urls": .init(flag: "initial-advertise-peer-urls", kind: .string),
        "initial-cluster": .init(flag: "initial-cluster", kind: .string),
        "initial-cluster-state": .init(flag: "initial-cluster-state", kind: .string),
        "initial-cluster-token": .init(flag: "initial-cluster-token", kind: .string),
        "heartbeat-interval": .init(flag: "heartbeat-interval", kind: .integer),
        "election-timeout": .init(flag: "election-timeout", kind: .integer),
        "snapshot-count": .init(flag: "snapshot-count", kind: .integer),
        "experimental-snapshot-catchup-entries": .init(flag: "experimental-snapshot-catchup-entries", kind: .integer),
        "quota-backend-bytes": .init(flag: "quota-backend-bytes", kind: .integer),
        "max-request-bytes": .init(flag: "max-request-bytes", kind: .integer),
        "log-level": .init(flag: "log-level", kind: .string),
    ]

    /// The two nested mappings and the prefix their keys take as flags.
    static let transportSecurity: [String: String] = [
        "client-transport-security": "",
        "peer-transport-security": "peer-",
    ]

    /// Keys inside `client-transport-security` and `peer-transport-security`.
    static let security: [String: ConfigFileKey] = [
        "cert-file": .init(flag: "cert-file", kind: .string),
        "key-file": .init(flag: "key-file", kind: .string),
        "trusted-ca-file": .init(flag: "trusted-ca-file", kind: .string),
        "client-cert-auth": .init(flag: "client-cert-auth", kind: .boolean),
    ]
}
