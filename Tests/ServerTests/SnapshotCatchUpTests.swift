import Foundation
import Raft
import Server
import Storage
import Testing

@Suite("Automatic snapshots, log compaction and catching up through a snapshot", .serialized)
struct SnapshotCatchUpTests {
    /// Puts `count` keys, `concurrency` at a time, through whichever of `members` leads.
    static func write(_ count: Int, through members: [TestMember], prefix: String, concurrency: Int = 64) async throws {
        let nodes = members.map(\.node)
        for start in stride(from: 0, to: count, by: concurrency) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in start..<min(start + concurrency, count) {
                    group.addTask { try await put("\(prefix)\(i)=value \(i)", through: nodes) }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Whether every member holds the same key space (etcd's HashKV at the current revision).
    static func sameKeySpace(_ members: [TestMember]) throws -> Bool {
        let hashes = try members.map { try $0.store.hashKV(revision: 0) }
        return hashes.allSatisfy { $0 == hashes[0] }
    }

    /// Puts through the current leader, and again when the put times out: with 100 ms election
    /// timeouts on a loaded machine a leader may change and lose what it had not committed.
    /// Putting the same value twice leaves the same key space, which is what these tests compare.
    static func put(_ payload: String, through nodes: [RaftNode]) async throws {
        for attempt in 1... {
            let node = nodes.first { $0.status.role == .leader } ?? nodes[0]
            do {
                _ = try await node.propose(Array(payload.utf8), timeout: .seconds(3))
                return
            } catch {
                if attempt == 5 { throw error }
            }
        }
    }

    @Test("a member cut off while the others write thousands of entries catches up through a snapshot, holds the same key space, and serves it after a restart")
    func cutOffMemberCatchesUp() async throws {
        let directories = (0..<3).map { _ in temporaryDirectory() }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let peers = InMemoryPeers()
        let voters: [NodeID] = [1, 2, 3]
        let policy = SnapshotPolicy(count: 300, catchUpEntries: 100)
        let members = try voters.map {
            try TestMember(id: $0, voters: voters, directory: directories[Int($0) - 1], peers: peers, snapshots: policy)
        }
        #expect(await eventually { members.contains { $0.node.status.role == .leader } })
        let leader = members.first { $0.node.status.role == .leader }!
        let lagging = members.first { $0 !== leader }!
        let others = members.filter { $0 !== lagging }

        try await Self.write(100, through: others, prefix: "before/")
        #expect(await eventually { lagging.node.status.appliedIndex == leader.node.status.appliedIndex })
        peers.cutOff(lagging.id)
        try await Self.write(3_000, through: others, prefix: "while/")

        // The others snapshotted and compacted their logs past everything the lagging member holds.
        let laggingApplied = lagging.node.status.appliedIndex
        #expect(await eventually { others.allSatisfy { $0.node.status.firstIndex > laggingApplied + 1 } })
        #expect(others.allSatisfy { !$0.reports.created.isEmpty && $0.reports.failures.isEmpty })
        // A file just written is there before the loop records it and removes the oldest.
        #expect(await eventually { others.allSatisfy { (1...SnapshotDirectory.filesKept).contains($0.snapshotFiles.count) } })

        peers.reconnect(lagging.id)
        #expect(await eventually(.seconds(30)) { lagging.node.status.appliedIndex == leader.node.status.appliedIndex })
        #expect(!lagging.reports.installed.isEmpty, "the lagging member caught up through a snapshot, not the log")
        #expect(lagging.reports.failures.isEmpty)
        #expect(lagging.node.status.firstIndex > laggingApplied + 1)
        #expect(try await eventually { try Self.sameKeySpace(members) })
        #expect(try lagging.value("while/2999") == "value 2999")
        #expect(try lagging.value("before/0") == "value 0")

        // It goes on from the log after the snapshot.
        try await Self.put("after=snapshot", through: members.map(\.node))
        #expect(try await eventually { try lagging.value("after") == "snapshot" })

        // A restart serves the installed state at once, with nothing to finish.
        let applied = try lagging.store.status().applied.index
        let installedBefore = lagging.reports.installed.count
        lagging.stop(peers: peers)
        try lagging.restart(voters: voters, peers: peers)
        #expect(try lagging.store.status().applied.index >= applied)
        #expect(try lagging.value("while/1234") == "value 1234")
        #expect(lagging.reports.installed.count == installedBefore)
        #expect(try await eventually { try Self.sameKeySpace(members) })
        for member in members { member.stop(peers: peers) }
    }

    @Test("a member whose state is behind its log's snapshot (an installation cut short by a crash) rebuilds it from the file at start and replays the rest")
    func interruptedInstallationFinishesAtStart() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let peers = InMemoryPeers()
        let member = try TestMember(id: 1, voters: [1], directory: directory, peers: peers,
                                    snapshots: SnapshotPolicy(count: 200, catchUpEntries: 50))
        #expect(await eventually { member.node.status.role == .leader })
        try await Self.write(1_000, through: [member], prefix: "k/")
        #expect(await eventually { member.node.status.firstIndex > 1 })
        member.stop(peers: peers)
        // Read once the member stopped: writes are answered before their state commit, so
        // only a stopped member's state is sure to hold every one of them.
        let stopped = try MVCCStore(path: DataDirectory(directory).statePath)
        let expected = try stopped.hashKV(revision: 0)
        let applied = try stopped.status().applied.index
        stopped.close()

        // The state as a crash between the log's step and the state's step leaves it: the log
        // starts after its snapshot, the state environment holds nothing of it.
        try FileManager.default.removeItem(atPath: DataDirectory(directory).statePath)
        try member.restart(voters: [1], peers: peers)
        #expect(member.reports.installed.count == 1, "the state was rebuilt from the snapshot file")
        // A new term's first entry (empty) follows the replay.
        #expect(await eventually { member.node.status.appliedIndex >= applied })
        let rebuilt = try member.store.hashKV(revision: 0)
        #expect(rebuilt == expected)
        #expect(try member.value("k/999") == "value 999")
        member.stop(peers: peers)
    }

    @Test("a member restored from a snapshot file (whose log names no file) makes its own snapshot as soon as it applies an entry, so it has one to send")
    func restoredMemberSnapshotsAtOnce() async throws {
        let source = temporaryDirectory()
        let restored = temporaryDirectory() + "/member"
        defer { for directory in [source, (restored as NSString).deletingLastPathComponent] { try? FileManager.default.removeItem(atPath: directory) } }
        let peers = InMemoryPeers()
        let original = try TestMember(id: 1, voters: [1], directory: source, peers: peers)
        #expect(await eventually { original.node.status.role == .leader })
        try await Self.write(50, through: [original], prefix: "k/")
        try SnapshotFile.create(from: original.store, confState: ConfState(voters: [1]), to: source + "/backup.snap")
        original.stop(peers: peers)

        try SnapshotFile.restore(source + "/backup.snap", into: restored, confState: ConfState(voters: [1]))
        let member = try TestMember(id: 1, voters: [1], directory: restored, peers: peers,
                                    snapshots: SnapshotPolicy(count: 100_000, catchUpEntries: 5_000))
        #expect(await eventually { member.node.status.role == .leader })
        _ = try await member.node.propose(Array("after=restore".utf8), timeout: .seconds(10))
        #expect(await eventually { !member.reports.created.isEmpty })
        #expect(member.snapshotFiles.count == 1)
        #expect(try member.value("k/49") == "value 49")
        member.stop(peers: peers)
    }
}
