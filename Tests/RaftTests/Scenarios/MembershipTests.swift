import Testing
@testable import Raft

@Suite("Membership changes (thesis §4.1: one server at a time, effective when appended)")
struct MembershipTests {
    /// A cluster of 1, 2, 3 led by 1, plus member 4 started empty, as a new member joins.
    private func clusterWithJoiner() -> (TestCluster, RawNode, MemoryStorage) {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        return (cluster, cluster[1], cluster.storages[1]!)
    }

    @Test("a configuration takes effect on the leader when appended, before it commits")
    func effectiveWhenAppended() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        #expect(cluster[1].raft.tracker.config.learners == [4])
        #expect(cluster[1].raft.log.committed < cluster[1].raft.log.lastIndex)
    }

    @Test("one change at a time: a second change is refused until the first commits")
    func oneAtATime() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        #expect(throws: ProposalError.configChangeInProgress) {
            try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 5))
        }
    }

    @Test("invalid changes are refused with the reason")
    func invalidChanges() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        #expect(throws: ProposalError.invalidConfigChange(.alreadyVoter(2))) {
            try cluster[1].proposeConfChange(ConfChange(operation: .addVoter, nodeID: 2))
        }
        #expect(throws: ProposalError.invalidConfigChange(.notMember(9))) {
            try cluster[1].proposeConfChange(ConfChange(operation: .removeNode, nodeID: 9))
        }
    }

    @Test("a truncated configuration entry stops counting: the member falls back to the one before")
    func truncationRevertsConfiguration() throws {
        let cluster = TestCluster(voters: [1, 2, 3]) { configuration in
            // No leases: the test elects a new leader without waiting out the old one's.
            configuration.checkQuorum = false
        }
        cluster.elect(1)
        // Leader 1, cut off, appends a change nobody else receives.
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        cluster.handleReady(1)
        cluster.queue.removeAll()
        #expect(cluster[1].raft.tracker.config.learners == [4])
        // Members 2 and 3 go on under a new leader; when 1 rejoins, its entry is overwritten.
        cluster.cut = cluster.cut.filter { $0.contains(1) }
        cluster.elect(2)
        try cluster.propose(2, [1])
        cluster.healAll()
        cluster.tick(2)
        cluster.stabilize()
        #expect(cluster[1].raft.leader == 2)
        #expect(cluster[1].raft.tracker.config == ConfState(voters: [1, 2, 3]))
        #expect(cluster.appliedData(1).last == [1])
    }

    @Test("a learner receives the log but does not count for commit; promoted, it does")
    func learnerThenPromotion() throws {
        let cluster = TestCluster(voters: [1, 2], learners: [3])
        cluster.elect(1)
        try cluster.propose(1, [1])
        #expect(cluster.appliedData(3) == [[1]])
        // With member 2 cut off, the learner's acknowledgement cannot commit anything.
        cluster.isolate(2)
        try cluster.propose(1, [2])
        #expect(cluster.appliedData(1) == [[1]])
        cluster.healAll()
        cluster.stabilize()
        try cluster[1].proposeConfChange(ConfChange(operation: .addVoter, nodeID: 3))
        cluster.stabilize()
        #expect(cluster[1].raft.tracker.config.voters == [1, 2, 3])
        cluster.isolate(2)
        try cluster.propose(1, [3])
        #expect(cluster.appliedData(1).last == [3], "voters 1 and 3 are a quorum of three")
    }

    @Test("a member added empty learns the whole membership by replaying the log")
    func joinerLearnsMembership() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        cluster.stabilize()
        let joinerStorage = MemoryStorage()
        var configuration = RaftConfiguration(id: 4)
        configuration.randomSeed = 4
        let joiner = RawNode(configuration: configuration, storage: joinerStorage)
        try cluster[1].propose([8])
        let joined = TestCluster.Joined(node: joiner, storage: joinerStorage)
        for _ in 0..<20 {
            cluster.handleAllReadies()
            joined.handleReady(into: &cluster.queue)
            let forJoiner = cluster.queue.filter { $0.to == 4 }
            cluster.deliver { $0.to != 4 }
            for message in forJoiner { joiner.step(message) }
            cluster.tick(1)
        }
        #expect(joiner.raft.tracker.config == ConfState(voters: [1, 2, 3], learners: [4]))
        #expect(joiner.raft.log.committed == cluster[1].raft.log.committed)
    }

    @Test("a leader that removes itself steps down once the removal commits, and others elect a new leader")
    func removedLeaderStepsDown() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .removeNode, nodeID: 1))
        cluster.stabilize()
        #expect(cluster[1].raft.role == .follower)
        #expect(cluster[2].raft.tracker.config.voters == [2, 3])
        for _ in 0..<40 {
            cluster.tick(2); cluster.tick(3); cluster.tick(1)
            cluster.stabilize()
        }
        let leader = try #require(cluster.leader)
        #expect(leader == 2 || leader == 3)
        #expect(cluster[1].raft.role == .follower, "a removed member never campaigns")
    }
}

extension TestCluster {
    /// A member outside the cluster's table (a joiner), pumped by the test.
    struct Joined {
        let node: RawNode
        let storage: MemoryStorage

        func handleReady(into queue: inout [Message]) {
            guard node.hasReady else { return }
            let ready = node.ready()
            queue.append(contentsOf: ready.messages)
            if let snapshot = ready.snapshot { try! storage.applySnapshot(snapshot) }
            storage.append(ready.entries)
            if let hardState = ready.hardState { storage.setHardState(hardState) }
            queue.append(contentsOf: ready.messagesAfterPersist)
            node.advance(ready)
        }
    }
}
