import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("A state environment left open by an OS crash")
    struct OSCrashRecoveryTests {
        @Test("A lone member whose state was open when the machine went down (its marker names another boot) rebuilds it from its own snapshot and log: every key is back")
        func rebuildFromSnapshotAndLog() async throws {
            let cluster = try await ConcordCluster.start(size: 1, extraFlags: ["--snapshot-count", "40", "--experimental-snapshot-catchup-entries", "10"])
            defer { cluster.stop() }
            for number in 0..<100 {
                let put = try await cluster.etcdctl(["put", "key-\(number)", "value-\(number)"])
                #expect(put.status == 0, "\(put.errors)")
            }
            let snapshots = try FileManager.default.contentsOfDirectory(atPath: cluster.members[0].dataDirectory + "/snap")
            #expect(snapshots.contains { $0.hasSuffix(".snap") }, "no snapshot was made: \(snapshots)")
            // Snapshots every 40 entries keeping 10 behind: the log no longer holds the first
            // keys' entries, only the snapshot file does.

            // The machine goes down: the process dies, and the boot that follows has another ID.
            cluster.kill(0)
            let marker = cluster.members[0].dataDirectory + "/state/open-since-boot"
            #expect(FileManager.default.fileExists(atPath: marker))
            try Data("00000000-0000-0000-0000-another-boot".utf8).write(to: URL(fileURLWithPath: marker))
            try cluster.launch(0)
            try await cluster.waitForLeader()

            let keys = try await cluster.etcdctl(["get", "key-", "--prefix", "--keys-only"])
            #expect(Set(keys.output.split(separator: "\n").map(String.init)) == Set((0..<100).map { "key-\($0)" }), "\(keys)")
            let last = try await cluster.etcdctl(["get", "key-99", "--print-value-only"])
            #expect(last.output.trimmingCharacters(in: .whitespacesAndNewlines) == "value-99")
            #expect(cluster.logs(0).contains("was open when the machine went down"))
            #expect(cluster.logs(0).contains("installed the snapshot at index"), "the state was not rebuilt from the snapshot file")
        }
    }
}
