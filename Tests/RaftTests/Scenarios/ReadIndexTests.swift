import Testing
@testable import Raft

@Suite("Linearizable reads (thesis §6.4, ReadIndex)")
struct ReadIndexTests {
    @Test("many reads on the leader share one heartbeat round and are answered at the commit index")
    func batchedReads() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster.propose(1, [1])
        let before = cluster.delivered.count
        for i in 0..<10 { try cluster[1].readIndex(context: [UInt8(i)]) }
        cluster.stabilize()
        let heartbeats = cluster.delivered[before...].filter { if case .heartbeat(let h) = $0.payload { h.readRound != 0 } else { false } }
        #expect(heartbeats.count == 2, "one round: one heartbeat to each follower")
        let states = cluster.readStates[1]!
        #expect(states.map(\.context) == (0..<10).map { [UInt8($0)] })
        #expect(states.allSatisfy { $0.index == cluster[1].raft.log.committed })
    }

    @Test("a leader cut off from the quorum never answers a read")
    func isolatedLeaderCannotRead() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].readIndex(context: [1])
        cluster.stabilize()
        #expect(cluster.readStates[1, default: []].isEmpty)
    }

    @Test("a new leader holds reads until it has committed an entry of its term")
    func readsWaitForCommitInTerm() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster[1].campaign()
        // Pre-vote, vote: elected, but its no-op is not committed yet.
        while cluster[1].raft.role != .leader {
            cluster.handleAllReadies()
            cluster.deliver()
        }
        #expect(!cluster[1].raft.hasCommittedInCurrentTerm)
        try cluster[1].readIndex(context: [9])
        cluster.handleReady(1)
        #expect(cluster.readStates[1, default: []].isEmpty)
        cluster.stabilize()
        #expect(cluster.readStates[1]!.map(\.context) == [[9]])
        #expect(cluster.readStates[1]![0].index >= 4)
    }

    @Test("a follower gets a read index from the leader")
    func followerRead() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster.propose(1, [5])
        try cluster[3].readIndex(context: [3, 3])
        cluster.stabilize()
        #expect(cluster.readStates[3]?.map(\.context) == [[3, 3]])
        #expect(cluster.readStates[3]?.first?.index == cluster[1].raft.log.committed)
    }

    @Test("a single voter answers reads without any round")
    func singleVoter() throws {
        let cluster = TestCluster(voters: [1])
        cluster.elect(1)
        try cluster[1].readIndex(context: [1])
        cluster.handleReady(1)
        #expect(cluster.readStates[1]?.count == 1)
    }

    @Test("with no leader known a read is refused")
    func noLeader() {
        let cluster = TestCluster(voters: [1, 2, 3])
        #expect(throws: ProposalError.noLeader) { try cluster[2].readIndex(context: [1]) }
    }
}
