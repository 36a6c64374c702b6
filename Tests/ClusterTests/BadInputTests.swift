import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Bad input to real members")
    struct BadInputTests {
        static func concord(_ arguments: [String]) async throws -> (status: Int32?, output: String, errors: String) {
            try await ChildProcess.run(BuildProducts.path("concord"), arguments, timeout: .seconds(20))
        }

        @Test("Bad flags stop the server at once with a clear message and a non-zero exit", arguments: [
            (["--no-such-flag", "1"], "flag provided but not defined: -no-such-flag"),
            (["--name", "a", "--initial-cluster", "b=http://127.0.0.1:2380"], "couldn't find local name \"a\" in the initial cluster configuration"),
            (["--heartbeat-interval", "100", "--election-timeout", "200"], "should be at least as 5 times as --heartbeat-interval"),
            (["--listen-client-urls", "localhost:2379"], "must start with http:// or https://"),
            (["--initial-cluster-state", "maybe"], "valid values are \"new\", \"existing\""),
            (["--snapshot-count", "ten"], "invalid value \"ten\" for flag -snapshot-count"),
            (["--cert-file", "/tmp/x.pem"], "--cert-file/--key-file must be given together"),
        ])
        func badFlags(arguments: [String], message: String) async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-flags-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let result = try await Self.concord(arguments + ["--data-dir", directory])
            #expect(result.status == 1)
            #expect(result.errors.contains(message), "\(result.errors)")
            #expect(!FileManager.default.fileExists(atPath: directory))
        }

        @Test("A data directory with a damaged identity file is refused at start with a message naming the file")
        func damagedDataDirectory() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "k", "v"]).status == 0)
            _ = await cluster.terminate(0)
            let identity = cluster.members[0].dataDirectory + "/member-identity"
            try "garbage".write(toFile: identity, atomically: true, encoding: .utf8)
            let result = try await Self.concord(cluster.flags(0))
            #expect(result.status == 1)
            #expect(result.errors.contains("member-identity is damaged"), "\(result.errors)")
        }

        @Test("A damaged state file is refused at start with a clear error instead of serving wrong data")
        func damagedStateFile() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "k", "v"]).status == 0)
            _ = await cluster.terminate(0)
            let file = cluster.members[0].dataDirectory + "/state/data.mdb"
            // Overwrite both LMDB meta pages: nothing valid is left to open.
            let handle = try #require(FileHandle(forWritingAtPath: file))
            try handle.write(contentsOf: Data(repeating: 0xAB, count: 8192))
            try handle.close()
            let result = try await Self.concord(cluster.flags(0))
            #expect(result.status == 1)
            #expect(result.errors.contains("data.mdb") || result.errors.contains("MDB_"), "\(result.errors)")
        }

        @Test("Requests etcd refuses are refused with etcd's errors: an empty key, an oversize value, a compacted or future revision")
        func badRequests() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            let empty = try await cluster.etcdctl(["put", "", "v"])
            #expect(empty.errors.contains("etcdserver: key is not provided"), "\(empty.errors)")
            let large = try await cluster.etcdctl(["put", "big"], input: String(repeating: "x", count: 2 * 1024 * 1024))
            #expect(large.status != 0)
            #expect(large.errors.contains("etcdserver: request is too large") || large.errors.contains("trying to send message larger than max"), "\(large.errors)")
            for index in 0..<3 { #expect(try await cluster.etcdctl(["put", "k", "\(index)"]).status == 0) }
            #expect(try await cluster.etcdctl(["compaction", "3"]).status == 0)
            let compacted = try await cluster.etcdctl(["get", "k", "--rev=2"])
            #expect(compacted.errors.contains("etcdserver: mvcc: required revision has been compacted"), "\(compacted.errors)")
            let future = try await cluster.etcdctl(["get", "k", "--rev=100"])
            #expect(future.errors.contains("etcdserver: mvcc: required revision is a future revision"), "\(future.errors)")
            let again = try await cluster.etcdctl(["compaction", "2"])
            #expect(again.errors.contains("etcdserver: mvcc: required revision has been compacted"), "\(again.errors)")
        }

        @Test("When the space quota is reached, writes are refused with NOSPACE raised, reads and deletes still work, and the alarm clears itself once space is freed")
        func quota() async throws {
            let cluster = try await ConcordCluster.start(size: 1, extraFlags: ["--quota-backend-bytes", "\(2 << 20)"])
            defer { cluster.stop() }
            let value = String(repeating: "v", count: 100_000)
            var refused: (status: Int32?, output: String, errors: String)?
            for index in 0..<100 {
                let put = try await cluster.etcdctl(["put", "fill-\(index)"], input: value)
                if put.status != 0 {
                    refused = put
                    break
                }
            }
            let refusal = try #require(refused, "the quota was never reached")
            #expect(refusal.errors.contains("etcdserver: mvcc: database space exceeded"), "\(refusal.errors)")
            let alarms = try await cluster.etcdctl(["alarm", "list"])
            #expect(alarms.output.contains("alarm:NOSPACE"), "\(alarms.output)")
            #expect(try await cluster.etcdctl(["get", "fill-0", "--keys-only"]).output.hasPrefix("fill-0\n"))
            #expect(try await cluster.etcdctl(["del", "fill-", "--prefix"]).status == 0)
            let revision = try #require(ConcordCluster.jsonNumber("revision", in: try await cluster.etcdctl(["get", "x", "-w", "json"]).output))
            #expect(try await cluster.etcdctl(["compaction", "\(revision)", "--physical"]).status == 0)
            // Compacted history goes in steps between batches; the next small write fits again.
            var accepted = false
            for _ in 0..<50 where !accepted {
                accepted = try await cluster.etcdctl(["put", "small", "1"]).status == 0
                if !accepted { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(accepted)
            var cleared = false
            for _ in 0..<50 where !cleared {
                cleared = try await cluster.etcdctl(["alarm", "list"]).output.isEmpty
                if !cleared { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(cleared)
        }
    }
}
