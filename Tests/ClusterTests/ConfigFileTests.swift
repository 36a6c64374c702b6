import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    /// `concord --config-file` (SPEC F7) with real processes: etcd's YAML keys, etcd's rule
    /// that the file's values win over every other flag, and clear refusals of bad files.
    @Suite("Members configured from a YAML file")
    struct ConfigFileTests {
        static func temporaryDirectory() throws -> String {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-config-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory
        }

        @Test("A member started from etcd's YAML keys, mutual TLS included, serves etcdctl, and flags beside the file are ignored with a warning")
        func memberFromFile() async throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let certificates = try await TestCertificates.make()
            defer { certificates.remove() }
            let clientPort = try FreePort.find()
            let peerPort = try FreePort.find()
            let file = directory + "/concord.conf.yml"
            try """
            # etcd.conf.yml.sample's names
            name: 'filed'
            data-dir: \(directory)/data
            snapshot-count: 10000
            heartbeat-interval: 50
            election-timeout: 500
            quota-backend-bytes: 0
            max-request-bytes: 1572864
            listen-peer-urls: http://127.0.0.1:\(peerPort)
            listen-client-urls: https://127.0.0.1:\(clientPort)
            initial-advertise-peer-urls: http://127.0.0.1:\(peerPort)
            advertise-client-urls: https://127.0.0.1:\(clientPort)
            initial-cluster: "filed=http://127.0.0.1:\(peerPort)"
            initial-cluster-token: 'config-file-test'
            initial-cluster-state: 'new'
            log-level: info
            client-transport-security:
              cert-file: \(certificates.serverCertificate)
              key-file: \(certificates.serverKey)
              client-cert-auth: true
              trusted-ca-file: \(certificates.ca)
            peer-transport-security:
              cert-file:
              key-file:
              client-cert-auth: false
              trusted-ca-file:
            """.write(toFile: file, atomically: true, encoding: .utf8)

            let ignoredData = directory + "/ignored"
            let member = try ChildProcess(BuildProducts.path("concord"), [
                "--config-file", file, "--name", "flagged", "--data-dir", ignoredData,
            ])
            defer { member.kill() }
            let tls = ["--cacert", certificates.ca, "--cert", certificates.clientCertificate, "--key", certificates.clientKey]
            let endpoint = ["https://127.0.0.1:\(clientPort)"]
            var put = try await Etcdctl.run(tls + ["put", "greeting", "hello"], endpoints: endpoint)
            let deadline = ContinuousClock.now + .seconds(30)
            while put.status != 0 && ContinuousClock.now < deadline && member.isRunning {
                try await Task.sleep(for: .milliseconds(200))
                put = try await Etcdctl.run(tls + ["put", "greeting", "hello"], endpoints: endpoint)
            }
            #expect(put.status == 0, "\(put.errors)\n\(member.standardError)")
            let get = try await Etcdctl.run(tls + ["get", "greeting", "--print-value-only"], endpoints: endpoint)
            #expect(get.output == "hello\n")
            // The file's name and data directory, not the flags'.
            let members = try await Etcdctl.run(tls + ["member", "list"], endpoints: endpoint)
            #expect(members.output.contains(", filed, http://127.0.0.1:\(peerPort), https://127.0.0.1:\(clientPort), false"), "\(members.output)")
            #expect(FileManager.default.fileExists(atPath: directory + "/data/member-identity"))
            #expect(!FileManager.default.fileExists(atPath: ignoredData))
            // Without a client certificate the file's client-cert-auth refuses the call.
            let refused = try await Etcdctl.run(["--cacert", certificates.ca, "--dial-timeout=1s", "--command-timeout=2s", "get", "greeting"], endpoints: endpoint)
            #expect(refused.status != 0)
            let log = member.standardError
            #expect(log.contains("loaded server configuration from \(file); other command-line flags are ignored"), "\(log)")
            #expect(log.contains("ignoring command-line flags --name --data-dir"), "\(log)")
        }

        @Test("Bad config files stop the server at once with a message naming the file and the problem", arguments: [
            ("name: a\nwal-dir: /tmp/x\n", "line 2: unknown key \"wal-dir\""),
            ("heartbeat-interval: '100'\n", "line 1: heartbeat-interval must be an integer, not a string"),
            ("name: 7\n", "name must be a string, not an integer"),
            ("client-transport-security:\n  client-cert-auth: maybe\n", "client-cert-auth must be a boolean, not a string"),
            ("client-transport-security:\n  auto-tls: true\n", "unknown key \"auto-tls\" in client-transport-security"),
            ("client-transport-security: yes\n", "client-transport-security must be a mapping"),
            ("listen-client-urls: [http://127.0.0.1:2379]\n", "listen-client-urls must be a string, not a list"),
            ("listen-client-urls: localhost:2379\n", "must start with http:// or https://"),
            ("election-timeout: 100\n", "should be at least as 5 times as --heartbeat-interval"),
            ("- name\n- data-dir\n", "expected a mapping of etcd's configuration keys"),
            ("name: [unclosed\n", "not valid YAML"),
            ("name: a\nname: b\n", "not valid YAML"),
        ])
        func badFiles(yaml: String, message: String) async throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = directory + "/bad.yml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run(BuildProducts.path("concord"), ["--config-file", file], timeout: .seconds(20))
            #expect(result.status == 1)
            #expect(result.errors.contains("concord: config file \(file): "), "\(result.errors)")
            #expect(result.errors.contains(message), "\(result.errors)")
        }

        @Test("A config file that cannot be read, or a malformed flag beside one, stops the server with a clear message")
        func unreadableFileAndBadFlag() async throws {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let missing = directory + "/missing.yml"
            let unreadable = try await ChildProcess.run(BuildProducts.path("concord"), ["--config-file", missing], timeout: .seconds(20))
            #expect(unreadable.status == 1)
            #expect(unreadable.errors.contains("cannot read config file \(missing): No such file or directory"), "\(unreadable.errors)")
            let folder = try await ChildProcess.run(BuildProducts.path("concord"), ["--config-file", directory], timeout: .seconds(20))
            #expect(folder.status == 1)
            #expect(folder.errors.contains("cannot read config file \(directory): Is a directory"), "\(folder.errors)")
            let file = directory + "/good.yml"
            try "data-dir: \(directory)/data\n".write(toFile: file, atomically: true, encoding: .utf8)
            // etcd parses every flag even when a config file is given: an unknown one is still an error.
            let badFlag = try await ChildProcess.run(BuildProducts.path("concord"), ["--config-file", file, "--no-such-flag", "1"], timeout: .seconds(20))
            #expect(badFlag.status == 1)
            #expect(badFlag.errors.contains("flag provided but not defined: -no-such-flag"), "\(badFlag.errors)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/data"))
        }
    }
}
