import Testing
@testable import Raft

@Suite("Elections (Raft paper §5.2, thesis §9.6 pre-vote, §6.2 check-quorum, §3.10 transfer)")
struct ElectionTests {
    @Test("a follower times out within [T, 2T) ticks, and timeouts differ between members")
    func randomizedTimeout() {
        var timeouts: Set<Int> = []
        for seed in 0..<50 {
            var configuration = RaftConfiguration(id: 1)
            configuration.electionTicks = 10
            configuration.randomSeed = UInt64(seed)
            let node = RawNode(configuration: configuration, storage: MemoryStorage(confState: ConfState(voters: [1, 2, 3])))
            var ticks = 0
            while node.raft.role == .follower {
                node.tick()
                ticks += 1
                precondition(ticks < 100)
            }
            #expect(ticks >= 10 && ticks < 20)
            timeouts.insert(ticks)
        }
        #expect(timeouts.count > 3)
    }

    @Test("a candidate with votes from a majority becomes leader and appends a no-op of its term")
    func electionAndNoop() {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        #expect(cluster[1].raft.term == 2)
        #expect(cluster[2].raft.leader == 1 && cluster[3].raft.leader == 1)
        let last = cluster.applied[1]!.last!
        #expect(last.term == 2 && last.data.isEmpty && last.kind == .normal)
        #expect(cluster.applied[2]!.last == last && cluster.applied[3]!.last == last)
    }

    @Test("a vote is sent only after it is persisted: the response waits for the persist step")
    func votePersistedBeforeReply() {
        var configuration = RaftConfiguration(id: 2)
        configuration.preVote = false
        let storage = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
        let node = RawNode(configuration: configuration, storage: storage)
        node.step(Message(from: 1, to: 2, term: 5, payload: .vote(VoteRequest(preVote: false, lastIndex: 0, lastTerm: 0))))
        let ready = node.ready()
        #expect(ready.messages.isEmpty)
        #expect(ready.messagesAfterPersist.count == 1)
        #expect(ready.messagesAfterPersist.first?.payload == .voteResponse(VoteResponse(preVote: false, granted: true)))
        #expect(ready.hardState == HardState(term: 5, vote: 1, commit: 0))
        #expect(ready.mustSync)
    }

    @Test("a member votes at most once per term, and a restart remembers the vote")
    func oneVotePerTerm() {
        var configuration = RaftConfiguration(id: 2)
        configuration.preVote = false
        configuration.checkQuorum = false
        let storage = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
        var node = RawNode(configuration: configuration, storage: storage)
        node.step(Message(from: 1, to: 2, term: 5, payload: .vote(VoteRequest(preVote: false, lastIndex: 0, lastTerm: 0))))
        let ready = node.ready()
        storage.setHardState(ready.hardState!)
        node.advance(ready)
        node = RawNode(configuration: configuration, storage: storage)
        node.step(Message(from: 3, to: 2, term: 5, payload: .vote(VoteRequest(preVote: false, lastIndex: 0, lastTerm: 0))))
        #expect(node.ready().messagesAfterPersist.first?.payload == .voteResponse(VoteResponse(preVote: false, granted: false)))
    }

    @Test("a candidate whose log is behind is refused (paper §5.4.1 up-to-date check)")
    func upToDateCheck() {
        let cluster = TestCluster(voters: [1, 2, 3]) { configuration in
            // No leases: the test elects a new leader without waiting out the old one's.
            configuration.preVote = false
            configuration.checkQuorum = false
        }
        cluster.elect(1)
        try! cluster.propose(1)
        // Member 3 misses an entry; its election must fail against 1 and 2.
        cluster.isolate(3)
        try! cluster.propose(1)
        cluster.healAll()
        cluster.isolate(1)
        cluster[3].campaign()
        cluster.stabilize()
        #expect(cluster[3].raft.role != .leader)
        cluster[2].campaign()
        cluster.stabilize()
        #expect(cluster[2].raft.role == .leader)
    }

    @Test("pre-vote: a partitioned member does not raise its term, and rejoins without disrupting the leader")
    func preVoteKeepsTerm() {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let term = cluster[1].raft.term
        cluster.isolate(3)
        for _ in 0..<100 { cluster.tick(3) }
        cluster.queue.removeAll()
        #expect(cluster[3].raft.term == term)
        cluster.healAll()
        cluster[3].campaign()
        cluster.stabilize()
        #expect(cluster[1].raft.role == .leader && cluster[1].raft.term == term)
    }

    @Test("without pre-vote a partitioned member raises its term; with check-quorum the others ignore it while they hear the leader")
    func checkQuorumLease() {
        let cluster = TestCluster(voters: [1, 2, 3]) { $0.preVote = false }
        cluster.elect(1)
        cluster.isolate(3)
        for _ in 0..<30 { cluster.tick(3) }
        cluster.queue.removeAll()
        #expect(cluster[3].raft.term > cluster[1].raft.term)
        cluster.healAll()
        // Member 2 heard from the leader within the lease: it ignores 3's vote request.
        cluster.tick(1)
        cluster.stabilize()
        cluster[3].campaign()
        cluster.deliver { $0.to == 2 }
        #expect(cluster[2].raft.leader == 1)
    }

    @Test("check-quorum: a leader that hears from no quorum for an election timeout steps down")
    func checkQuorumStepDown() {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        for _ in 0..<(2 * cluster[1].raft.configuration.electionTicks) {
            cluster.tick(1)
            cluster.deliver()
        }
        #expect(cluster[1].raft.role == .follower)
        #expect(cluster[1].raft.leader == noNode)
    }

    @Test("leader transfer: the leader brings the target up to date, sends TimeoutNow, and the target wins at once")
    func leaderTransfer() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(3)
        try cluster.propose(1)
        cluster.healAll()
        try cluster[1].transferLeadership(to: 3)
        // Proposals are refused while the transfer runs.
        #expect(throws: ProposalError.leaderTransferInProgress) { try cluster[1].propose([9]) }
        cluster.stabilize()
        #expect(cluster[3].raft.role == .leader)
        #expect(cluster[1].raft.role == .follower && cluster[1].raft.leader == 3)
        #expect(cluster.delivered.contains { $0.payload == .timeoutNow && $0.to == 3 })
    }

    @Test("a transfer to a member that never answers is abandoned after an election timeout")
    func transferAbandoned() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(3)
        try cluster[1].transferLeadership(to: 3)
        for _ in 0..<cluster[1].raft.configuration.electionTicks {
            cluster.tick(1)
            cluster.deliver()
            cluster.handleAllReadies()
        }
        #expect(cluster[1].raft.leadTransferee == noNode)
        #expect(throws: Never.self) { try cluster[1].propose([1]) }
    }

    @Test("learners and removed members never start an election")
    func learnersDoNotCampaign() {
        let cluster = TestCluster(voters: [1, 2, 3], learners: [4])
        for _ in 0..<100 { cluster.tick(4) }
        #expect(cluster[4].raft.role == .follower)
        #expect(cluster.queue.isEmpty)
    }
}
