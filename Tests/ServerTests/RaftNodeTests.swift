import Foundation
import Raft
import Server
import Storage
import Testing

@Suite("The run loop on real LMDB environments", .serialized)
struct RaftNodeTests {
    @Test("a single member elects itself, commits concurrent puts in batches and applies each once")
    func singleMember() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let peers = InMemoryPeers()
        let member = try TestMember(id: 1, voters: [1], directory: directory, peers: peers)
        #expect(await eventually { member.node.status.role == .leader })

        let node = member.node
        let results = try await withThrowingTaskGroup(of: AppliedProposal.self) { group in
            for i in 0..<200 {
                group.addTask { try await node.propose(Array("k\(i)=v\(i)".utf8), timeout: .seconds(10)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.index)).count == 200)
        let revisions = Set(results.map { PutApplier.revision($0.result) })
        let lastRevision = revisions.max()!
        #expect(revisions == Set((lastRevision - 199)...lastRevision), "one revision per put, none skipped or repeated")
        #expect(try member.value("k42") == "v42")
        let readIndex = try await member.node.linearizableRead(timeout: .seconds(5))
        #expect(readIndex >= results.map(\.index).max()!)

        // A restart applies nothing twice and goes on from the same revision.
        let applied = member.node.status.appliedIndex
        member.stop(peers: peers)
        try member.restart(voters: [1], peers: peers)
        #expect(try member.store.status().applied.index == applied)
        #expect(await eventually { member.node.status.role == .leader })
        let next = try await member.node.propose(Array("after=restart".utf8), timeout: .seconds(10))
        #expect(PutApplier.revision(next.result) == lastRevision + 1)
        member.stop(peers: peers)
    }

    @Test("three members: a write through a follower commits, a linearizable read on another follower sees it, and the cluster survives losing its leader")
    func threeMembers() async throws {
        let directories = (0..<3).map { _ in temporaryDirectory() }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let peers = InMemoryPeers()
        let voters: [NodeID] = [1, 2, 3]
        let members = try voters.map { try TestMember(id: $0, voters: voters, directory: directories[Int($0) - 1], peers: peers) }
        #expect(await eventually { members.contains { $0.node.status.role == .leader } })
        let leader = members.first { $0.node.status.role == .leader }!
        let followers = members.filter { $0 !== leader }

        let written = try await followers[0].node.propose(Array("color=blue".utf8), timeout: .seconds(10))
        let readIndex = try await followers[1].node.linearizableRead(timeout: .seconds(10))
        #expect(readIndex >= written.index)
        #expect(try followers[1].value("color") == "blue")

        leader.stop(peers: peers)
        #expect(await eventually { followers.contains { $0.node.status.role == .leader } })
        let after = try await followers[1].node.propose(Array("color=green".utf8), timeout: .seconds(10))
        #expect(after.index > written.index)
        #expect(try await eventually { try followers.allSatisfy { try $0.value("color") == "green" } })
        for follower in followers { follower.stop(peers: peers) }
    }

    @Test("with no quorum a proposal fails with etcd's timeout or no-leader error, and reads fail too")
    func minorityRefuses() async throws {
        let directories = (0..<3).map { _ in temporaryDirectory() }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let peers = InMemoryPeers()
        let voters: [NodeID] = [1, 2, 3]
        let members = try voters.map { try TestMember(id: $0, voters: voters, directory: directories[Int($0) - 1], peers: peers) }
        #expect(await eventually { members.contains { $0.node.status.role == .leader } })
        let survivor = members[0]
        for member in members.dropFirst() { member.stop(peers: peers) }
        await #expect(throws: NodeError.self) { try await survivor.node.propose(Array("x=1".utf8), timeout: .milliseconds(500)) }
        await #expect(throws: NodeError.self) { try await survivor.node.linearizableRead(timeout: .milliseconds(500)) }
        survivor.stop(peers: peers)
    }
}
