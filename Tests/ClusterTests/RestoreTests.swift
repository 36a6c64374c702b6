import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Snapshot save and restore with real members")
    struct RestoreTests {
        @Test("A snapshot saved by etcdctl from a 3-member cluster restores into a new 3-member cluster with all its data")
        func saveAndRestore() async throws {
            let source = try await ConcordCluster.start(size: 3)
            defer { source.stop() }
            for index in 0..<50 {
                #expect(try await source.etcdctl(["put", "restore-\(index)", "value-\(index)"]).status == 0)
            }
            let file = source.directory + "/saved.snap"
            let save = try await source.etcdctl(["snapshot", "save", file], endpoints: [source.endpoints[0]])
            #expect(save.status == 0, "\(save.errors)")
            #expect(save.output.contains("Snapshot saved at \(file)"))

            let status = try await ChildProcess.run(BuildProducts.path("concord"), ["snapshot", "status", file])
            #expect(status.status == 0, "\(status.errors)")
            #expect(status.output.contains("REVISION"))

            let target = try await ConcordCluster.start(size: 3, restoringFrom: file)
            defer { target.stop() }
            let get = try await target.etcdctl(["get", "restore-", "--prefix", "--print-value-only"])
            #expect(get.output.split(separator: "\n").count == 50)
            #expect(get.output.contains("value-49"))
            let members = try await target.etcdctl(["member", "list"])
            #expect(members.output.split(separator: "\n").count == 3)
            #expect(members.output.contains(target.members[0].peerURL))
            #expect(try await target.etcdctl(["put", "after-restore", "1"]).status == 0)
            try await target.waitForEqualHashes()
        }

        @Test("A damaged snapshot file is refused by restore with a clear error, and no data directory is left behind")
        func corruptSnapshot() async throws {
            let source = try await ConcordCluster.start(size: 1)
            defer { source.stop() }
            #expect(try await source.etcdctl(["put", "k", "v"]).status == 0)
            let file = source.directory + "/saved.snap"
            #expect(try await source.etcdctl(["snapshot", "save", file]).status == 0)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: file))

            let dataDirectory = source.directory + "/restored"
            let restore = try await ChildProcess.run(BuildProducts.path("concord"), [
                "snapshot", "restore", file, "--data-dir", dataDirectory, "--name", "r1",
                "--initial-cluster", "r1=http://127.0.0.1:1", "--initial-advertise-peer-urls", "http://127.0.0.1:1",
            ])
            #expect(restore.status != 0)
            #expect(restore.errors.contains("snapshot restore"), "\(restore.errors)")
            #expect(!FileManager.default.fileExists(atPath: dataDirectory))
            let status = try await ChildProcess.run(BuildProducts.path("concord"), ["snapshot", "status", file])
            #expect(status.status != 0)
        }
    }
}

extension ConcordCluster {
    /// A new cluster whose members' data directories are restored from `snapshot` first.
    static func start(size: Int, restoringFrom snapshot: String) async throws -> ConcordCluster {
        try await start(size: size, prepare: { cluster, index in
            let member = cluster.members[index]
            let restore = try await ChildProcess.run(BuildProducts.path("concord"), [
                "snapshot", "restore", snapshot, "--data-dir", member.dataDirectory, "--name", member.name,
                "--initial-cluster", cluster.initialCluster, "--initial-cluster-token", cluster.token,
                "--initial-advertise-peer-urls", member.peerURL,
            ])
            guard restore.status == 0 else { throw TestFailure("restore failed: \(restore.errors)") }
        })
    }
}
