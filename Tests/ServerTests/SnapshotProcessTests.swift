import Foundation
import Server
import Testing

@Suite("Snapshots between real concord processes", .serialized)
struct SnapshotProcessTests {
    @Test("three concord members with --snapshot-count 100: one killed with SIGKILL misses 2,000 puts made with etcdctl, catches up through a snapshot after its restart, and etcdctl endpoint hashkv agrees on all three")
    func killedMemberCatchesUp() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Below Linux's ephemeral range (32768+), so no client connection holds them.
        let base = 27_000 + Int.random(in: 0..<500) * 10
        let clientPorts = (0..<3).map { base + $0 }
        let peerPorts = (0..<3).map { base + 5 + $0 }
        let cluster = (0..<3).map { "m\($0 + 1)=http://127.0.0.1:\(peerPorts[$0])" }.joined(separator: ",")
        let members = try (0..<3).map { i in
            try ConcordProcess(name: "m\(i + 1)", logDirectory: directory, arguments: [
                "--name", "m\(i + 1)", "--data-dir", "\(directory)/m\(i + 1)",
                "--listen-client-urls", "http://127.0.0.1:\(clientPorts[i])",
                "--advertise-client-urls", "http://127.0.0.1:\(clientPorts[i])",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPorts[i])",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPorts[i])",
                "--initial-cluster", cluster, "--initial-cluster-token", "snapshot-test",
                "--snapshot-count", "100",
            ])
        }
        let endpoints = clientPorts.map { "127.0.0.1:\($0)" }
        let all = "--endpoints=" + endpoints.joined(separator: ",")
        #expect(try await eventually(.seconds(20)) { try etcdctl([all, "put", "warm", "up"]).status == 0 })

        // A follower, so that the writes need no new election.
        let status = try etcdctl([all, "endpoint", "status", "-w", "simple"]).output.split(separator: "\n")
        let victim = try #require((0..<3).first { i in
            status.contains { $0.hasPrefix(endpoints[i] + ",") && $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }[4] == "false" }
        })
        let survivors = (0..<3).filter { $0 != victim }
        members[victim].kill(SIGKILL)
        let writeEndpoints = "--endpoints=" + survivors.map { endpoints[$0] }.joined(separator: ",")
        let writes = try shell(["sh", "-c", "seq 0 1999 | xargs -P 8 -I{} etcdctl \(writeEndpoints) put key{} value{} >/dev/null && echo written"])
        #expect(writes.status == 0 && writes.output.contains("written"))
        // Snapshots were made, and older files removed (a file just written is there a moment
        // before the member records it and removes the oldest).
        let snapshots = try SnapshotDirectory(path: "\(directory)/m\(survivors[0] + 1)/snap")
        #expect(await eventually { (1...SnapshotDirectory.filesKept).contains(snapshots.files().count) })

        try members[victim].restart()
        var hashes: [String] = []
        let agreed = try await eventually(.seconds(30)) {
            let result = try etcdctl([all, "endpoint", "hashkv", "-w", "simple"])
            hashes = result.output.split(separator: "\n").compactMap { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } }
            return result.status == 0 && hashes.count == 3 && Set(hashes).count == 1
        }
        #expect(agreed, "hashes \(hashes)")
        #expect(members[victim].log.contains("installed the snapshot"), "the restarted member caught up through a snapshot")
        let read = try etcdctl(["--endpoints=\(endpoints[victim])", "get", "key1999", "--consistency=s", "--print-value-only"])
        #expect(read.output.trimmingCharacters(in: .whitespacesAndNewlines) == "value1999")
        for member in members { member.kill(SIGTERM) }
    }
}
