import Foundation
import Testing

@testable import Server

@Suite("etcd's config-file keys mapped onto the configuration")
struct ConfigFileTests {
    @Test("Every key of etcd's sample that Concord offers sets what its flag sets")
    func everyKey() throws {
        let configuration = try ConfigFile.configuration(yaml: """
            name: 'infra1'
            data-dir: /var/lib/concord
            snapshot-count: 5000
            heartbeat-interval: 50
            election-timeout: 500
            quota-backend-bytes: 8589934592
            max-request-bytes: 2097152
            listen-peer-urls: https://10.0.1.11:2380
            listen-client-urls: https://10.0.1.11:2379,https://127.0.0.1:2379
            initial-advertise-peer-urls: https://10.0.1.11:2380
            advertise-client-urls: https://10.0.1.11:2379
            initial-cluster: "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380"
            initial-cluster-token: 'etcd-cluster-1'
            initial-cluster-state: 'existing'
            log-level: warn
            client-transport-security:
              cert-file: /etc/concord/server.pem
              key-file: /etc/concord/server-key.pem
              client-cert-auth: true
              trusted-ca-file: /etc/concord/ca.pem
            peer-transport-security:
              cert-file: /etc/concord/peer.pem
              key-file: /etc/concord/peer-key.pem
              client-cert-auth: true
              trusted-ca-file: /etc/concord/ca.pem
            """)
        var expected = ServerConfiguration()
        for (flag, value) in [
            ("name", "infra1"), ("data-dir", "/var/lib/concord"), ("snapshot-count", "5000"), ("heartbeat-interval", "50"),
            ("election-timeout", "500"), ("quota-backend-bytes", "8589934592"), ("max-request-bytes", "2097152"),
            ("listen-peer-urls", "https://10.0.1.11:2380"), ("listen-client-urls", "https://10.0.1.11:2379,https://127.0.0.1:2379"),
            ("initial-advertise-peer-urls", "https://10.0.1.11:2380"), ("advertise-client-urls", "https://10.0.1.11:2379"),
            ("initial-cluster", "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380"),
            ("initial-cluster-token", "etcd-cluster-1"), ("initial-cluster-state", "existing"), ("log-level", "warn"),
            ("cert-file", "/etc/concord/server.pem"), ("key-file", "/etc/concord/server-key.pem"), ("client-cert-auth", "true"),
            ("trusted-ca-file", "/etc/concord/ca.pem"), ("peer-cert-file", "/etc/concord/peer.pem"),
            ("peer-key-file", "/etc/concord/peer-key.pem"), ("peer-client-cert-auth", "true"), ("peer-trusted-ca-file", "/etc/concord/ca.pem"),
        ] {
            try ServerFlags.set(flag, value, in: &expected)
        }
        #expect(configuration == expected)
        #expect(configuration.clientTLS == expected.clientTLS)
        #expect(configuration.peerTLS == expected.peerTLS)
        #expect(configuration.clientTLS.clientCertAuth && configuration.peerTLS.certificateFile == "/etc/concord/peer.pem")
    }

    @Test("An empty file, and keys left without a value as in etcd's sample, keep etcd's defaults")
    func defaults() throws {
        #expect(try ConfigFile.configuration(yaml: "") == ServerConfiguration())
        #expect(try ConfigFile.configuration(yaml: "# nothing\n") == ServerConfiguration())
        let sparse = try ConfigFile.configuration(yaml: "data-dir:\ninitial-cluster:\nclient-transport-security:\n  cert-file:\n")
        #expect(sparse == ServerConfiguration())
        #expect(sparse.clientTLS == ServerConfiguration.TLSFiles())
    }

    @Test("A bad value is refused with the line and the key", arguments: [
        ("snapshot-count: -1", "line 1: snapshot-count: invalid value \"-1\" for flag -snapshot-count"),
        ("initial-cluster-state: maybe", "line 1: initial-cluster-state: invalid value \"maybe\""),
        ("log-level: loud", "line 1: log-level: unknown log level \"loud\""),
        ("election-timeout: 1.5", "line 1: election-timeout must be an integer, not \"1.5\""),
        ("\n\nheartbeat-interval: {a: 1}", "line 3: heartbeat-interval must be an integer, not a mapping"),
        ("initial-cluster: \"a=http://127.0.0.1:2380\"", "couldn't find local name \"default\" in the initial cluster configuration"),
        ("peer-transport-security:\n  cert-file: /x.pem", "--peer-cert-file/--peer-key-file must be given together"),
        ("Name: x", "line 1: unknown key \"Name\""),
    ])
    func badValues(yaml: String, message: String) {
        let error = #expect(throws: ConfigurationError.self) { try ConfigFile.configuration(yaml: yaml) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test("With --config-file the file is the configuration: other flags are checked but ignored, and named")
    func commandLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("concord-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "name: from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let parsed = try ServerCommandLine.parse(["--name", "from-flag", "--config-file=\(file)", "--snapshot-count", "7"])
        #expect(parsed.configuration.name == "from-file")
        #expect(parsed.configuration.snapshotCount == ServerConfiguration().snapshotCount)
        #expect(parsed.configFile == file)
        #expect(parsed.ignoredFlags == ["name", "snapshot-count"])
        #expect(throws: ConfigurationError("invalid value \"x\" for flag -snapshot-count: parse error")) {
            try ServerCommandLine.parse(["--config-file", file, "--snapshot-count", "x"])
        }
        let flagsOnly = try ServerCommandLine.parse(["--name", "n", "--config-file="])
        #expect(flagsOnly.configuration.name == "n" && flagsOnly.configFile == nil && flagsOnly.ignoredFlags.isEmpty)
    }
}
