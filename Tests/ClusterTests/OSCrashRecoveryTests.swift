import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("A state environment left open by an OS crash")
    struct OSCrashRecoveryTests {
        @Test("A lone member whose state was open when the machine went down (its marker names another boot) rebuilds it from its own snapshot and log: every key is back")
        func rebuildFromSnapshotAndLog() async throws {
            let cluster = try await ConcordCluster.start(size: 1, extraFlags: ["--snapshot-count", "40"])
            defer { cluster.stop() }
            for number in 0..<100 {
                let put = try await cluster.etcdctl(["put", "key-\(number)", "value-\(number)"])
                #expect(put.status == 0, "\(put.errors)")
            }
            let snapshots = try FileManager.default.contentsOfDirectory(atPath: cluster.members[0].dataDirectory + "/snap")
            #expect(snapshots.contains { $0.hasSuffix(".snap") }, "no snapshot was made: \(snapshots)")

            // The machine goes down: the process dies, and the boot that follows has another ID.
            cluster.kill(0)
            let marker = cluster.members[0].dataDirectory + "/state/open-since-boot"
            #expect(FileManager.default.fileExists(atPath: marker))
            try Data("00000000-0000-0000-0000-another-boot".utf8).write(to: URL(fileURLWithPath: marker))
            try cluster.launch(0)
            try await cluster.waitForLeader()

            let count = try await cluster.etcdctl(["get", "key-", "--prefix", "--count-only", "-w", "fields"])
            #expect(count.output.contains("\"Count\" : 100"), "\(count.output)")
            let last = try await cluster.etcdctl(["get", "key-99", "--print-value-only"])
            #expect(last.output.trimmingCharacters(in: .whitespacesAndNewlines) == "value-99")
            #expect(cluster.logs(0).contains("was open when the machine went down"))
        }
    }
}
