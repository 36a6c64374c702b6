import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Defragment on real members, with etcdctl")
    struct DefragmentTests {
        static func status(_ cluster: ConcordCluster) async throws -> (file: UInt64, inUse: UInt64) {
            let output = try await cluster.etcdctl(["endpoint", "status", "-w", "json"]).output
            return (try #require(ConcordCluster.jsonNumber("dbSize", in: output)), try #require(ConcordCluster.jsonNumber("dbSizeInUse", in: output)))
        }

        /// How many keys start with `prefix`.
        static func keys(_ prefix: String, _ cluster: ConcordCluster) async throws -> Int {
            let listed = try await cluster.etcdctl(["get", prefix, "--prefix", "--keys-only"])
            #expect(listed.status == 0, "\(listed.errors)")
            return listed.output.split(separator: "\n").filter { $0.hasPrefix(prefix) }.count
        }

        @Test("etcdctl defrag after deletes and a compaction shrinks dbSize to about dbSizeInUse; keys survive it and a restart, and writes during and after it succeed")
        func defragment() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            let value = String(repeating: "v", count: 10_000)
            for index in 0..<200 { #expect(try await cluster.etcdctl(["put", "key-\(index)"], input: value).status == 0) }
            for index in 0..<20 { #expect(try await cluster.etcdctl(["put", "keep-\(index)", "kept-\(index)"]).status == 0) }
            let full = try await Self.status(cluster)
            #expect(try await cluster.etcdctl(["del", "key-", "--prefix"]).status == 0)
            let revision = try #require(ConcordCluster.jsonNumber("revision", in: try await cluster.etcdctl(["get", "x", "-w", "json"]).output))
            #expect(try await cluster.etcdctl(["compaction", "\(revision)", "--physical"]).status == 0)
            // Compacted history goes in steps between batches; the defragment copies what is left.
            var before = full
            for _ in 0..<50 where before.inUse > full.inUse / 4 {
                try await Task.sleep(for: .milliseconds(100))
                before = try await Self.status(cluster)
            }
            #expect(before.inUse <= full.inUse / 4, "in use \(before.inUse) of \(full.inUse)")
            #expect(before.file >= full.file, "the file shrank before any defragment: \(before.file) of \(full.file)")

            let writes = Task {
                var statuses: [Int32?] = []
                for index in 0..<20 { statuses.append(try await cluster.etcdctl(["put", "during-\(index)", "d\(index)"]).status) }
                return statuses
            }
            let defrag = try await cluster.etcdctl(["defrag"])
            #expect(defrag.status == 0, "\(defrag.errors)")
            #expect(defrag.output.contains("Finished defragmenting etcd member[\(cluster.members[0].endpoint)]"), "\(defrag.output)")
            #expect(try await writes.value == Array(repeating: 0, count: 20))

            let after = try await Self.status(cluster)
            #expect(after.file < before.file / 4, "dbSize \(after.file) after defragment, \(before.file) before")
            #expect(after.file <= after.inUse + after.inUse / 2 + 64 * 1024, "dbSize \(after.file), in use \(after.inUse)")
            #expect(cluster.logs(0).contains("defragmented the state file"), "\(cluster.logs(0))")
            #expect(try await cluster.etcdctl(["put", "after", "defrag"]).status == 0)

            try cluster.restart(0)
            _ = try await cluster.waitForLeader()
            #expect(try await Self.keys("keep-", cluster) == 20)
            #expect(try await Self.keys("during-", cluster) == 20)
            #expect(try await cluster.etcdctl(["get", "keep-7", "--print-value-only"]).output.contains("kept-7"))
            #expect(try await cluster.etcdctl(["get", "after", "--print-value-only"]).output.contains("defrag"))
            #expect(try await Self.keys("key-", cluster) == 0)
        }
    }
}
