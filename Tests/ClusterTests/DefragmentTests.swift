import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Defragment on real members, with etcdctl")
    struct DefragmentTests {
        @Test("etcdctl defrag succeeds against a running member; after deletes and a compaction the size in use shrinks and a refill reuses the freed pages")
        func defragment() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            let value = String(repeating: "v", count: 10_000)
            for index in 0..<200 { #expect(try await cluster.etcdctl(["put", "key-\(index)"], input: value).status == 0) }
            let full = try await cluster.etcdctl(["endpoint", "status", "-w", "json"])
            let fullInUse = try #require(ConcordCluster.jsonNumber("dbSizeInUse", in: full.output))
            let fullFile = try #require(ConcordCluster.jsonNumber("dbSize", in: full.output))
            #expect(try await cluster.etcdctl(["del", "key-", "--prefix"]).status == 0)
            let revision = try #require(ConcordCluster.jsonNumber("revision", in: try await cluster.etcdctl(["get", "x", "-w", "json"]).output))
            #expect(try await cluster.etcdctl(["compaction", "\(revision)", "--physical"]).status == 0)

            let defrag = try await cluster.etcdctl(["defrag"])
            #expect(defrag.status == 0, "\(defrag.errors)")
            #expect(defrag.output.contains("Finished defragmenting etcd member[\(cluster.members[0].endpoint)]"), "\(defrag.output)")
            // Compacted history goes in steps between batches.
            var inUse = fullInUse
            for _ in 0..<50 where inUse > fullInUse / 4 {
                try await Task.sleep(for: .milliseconds(100))
                inUse = ConcordCluster.jsonNumber("dbSizeInUse", in: try await cluster.etcdctl(["endpoint", "status", "-w", "json"]).output) ?? inUse
            }
            #expect(inUse <= fullInUse / 4, "in use \(inUse) of \(fullInUse)")
            for index in 0..<200 { #expect(try await cluster.etcdctl(["put", "again-\(index)"], input: value).status == 0) }
            let refilled = try #require(ConcordCluster.jsonNumber("dbSize", in: try await cluster.etcdctl(["endpoint", "status", "-w", "json"]).output))
            #expect(refilled <= fullFile + fullFile / 4, "the file grew from \(fullFile) to \(refilled) bytes")
        }
    }
}
