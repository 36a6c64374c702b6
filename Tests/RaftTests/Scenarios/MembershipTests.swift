import Testing
@testable import Raft

@Suite("Membership changes (one server at a time, in force once committed, as in etcd)")
struct MembershipTests {
    @Test("a configuration change takes effect when committed, so a one-member cluster adds a voter without it")
    func oneMemberAddsVoterAlone() throws {
        let cluster = TestCluster(voters: [1])
        cluster.elect(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addVoter, nodeID: 2))
        cluster.stabilize()
        let leader = cluster[1].raft
        #expect(leader.log.committed == leader.log.lastIndex, "the old configuration {1} committed the change")
        #expect(leader.tracker.config.voters == [1, 2])
        #expect(cluster.applied[1]?.last?.kind == .configChange)

        // Started only now, the new member learns the membership from the log and then counts.
        cluster.addEmptyMember(2)
        cluster.tick(1)
        cluster.stabilize()
        #expect(cluster[2].raft.tracker.config.voters == [1, 2])
        try cluster.propose(1, [7])
        #expect(cluster.appliedData(1) == [[7]])
        #expect(cluster.appliedData(2) == [[7]])
        cluster.isolate(2)
        try cluster.propose(1, [8])
        #expect(cluster.appliedData(1) == [[7]], "with two voters in force, member 1 alone is no quorum")
    }

    @Test("until a change commits, the configuration before it stays in force on the leader")
    func uncommittedChangeDoesNotCount() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        cluster.stabilize()
        #expect(cluster[1].raft.log.committed < cluster[1].raft.log.lastIndex)
        #expect(cluster[1].raft.tracker.config == ConfState(voters: [1, 2, 3]))
        cluster.healAll()
        cluster.tick(1)
        cluster.stabilize()
        #expect(cluster[1].raft.log.committed == cluster[1].raft.log.lastIndex)
        #expect(cluster[1].raft.tracker.config == ConfState(voters: [1, 2, 3], learners: [4]))
    }

    @Test("a follower puts a change in force when it learns the entry is committed, not when it appends it")
    func followerWaitsForCommit() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        cluster.handleReady(1)
        cluster.deliver()
        cluster.handleReady(2)
        #expect(cluster[2].raft.log.lastIndex == cluster[1].raft.log.lastIndex)
        #expect(cluster[2].raft.log.committed < cluster[2].raft.log.lastIndex)
        #expect(cluster[2].raft.tracker.config.learners.isEmpty)
        cluster.stabilize()
        #expect(cluster[2].raft.log.committed == cluster[2].raft.log.lastIndex)
        #expect(cluster[2].raft.tracker.config.learners == [4])
    }

    @Test("one change at a time: a second change is refused until the first commits, then accepted")
    func oneAtATime() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        #expect(throws: ProposalError.configChangeInProgress) {
            try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 5))
        }
        cluster.healAll()
        cluster.tick(1)
        cluster.stabilize()
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 5))
        cluster.stabilize()
        #expect(cluster[1].raft.tracker.config.learners == [4, 5])
    }

    @Test("a new leader accepts a change only once it has committed an entry of its term")
    func newLeaderCommitsFirst() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster[1].campaign()
        // Member 1 wins, but its first entry has not reached the others yet.
        for _ in 0..<6 {
            cluster.handleAllReadies()
            cluster.deliver { if case .append = $0.payload { false } else { true } }
        }
        #expect(cluster[1].raft.role == .leader)
        #expect(throws: ProposalError.configChangeInProgress) {
            try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        }
        cluster.tick(1)
        cluster.stabilize()
        #expect(cluster[1].raft.hasCommittedInCurrentTerm)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
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

    @Test("a configuration entry truncated before it commits never took effect")
    func truncatedChangeNeverCounted() throws {
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
        let changeIndex = cluster[1].raft.log.lastIndex
        // Members 2 and 3 go on under a new leader; when 1 rejoins, its entry is overwritten.
        cluster.cut = cluster.cut.filter { $0.contains(1) }
        cluster.elect(2)
        try cluster.propose(2, [1])
        cluster.healAll()
        cluster.tick(2)
        cluster.stabilize()
        #expect(cluster[1].raft.leader == 2)
        #expect(!cluster.applied[1]!.contains { $0.kind == .configChange && $0.index >= changeIndex })
        #expect(cluster[1].raft.tracker.config == ConfState(voters: [1, 2, 3]))
        #expect(cluster.appliedData(1).last == [1])
    }

    @Test("a restarted member puts in force the changes up to its persisted commit index, and none after")
    func restartRecoversCommittedConfiguration() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .addLearner, nodeID: 4))
        cluster.stabilize()
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .removeNode, nodeID: 3))
        cluster.handleReady(1)
        #expect(cluster.storages[1]!.hardState.commit < (try cluster.storages[1]!.lastIndex()))
        cluster.restart(1)
        #expect(cluster[1].raft.tracker.config == ConfState(voters: [1, 2, 3], learners: [4]))
        // From a snapshot, the configuration it carries is the one in force at its index.
        let storage = cluster.storages[2]!
        let committed = storage.hardState.commit
        try storage.createSnapshot(at: committed, confState: ConfState(voters: [1, 2, 3], learners: [4]), data: [])
        try storage.compact(upTo: committed)
        cluster.restart(2)
        #expect(cluster[2].raft.tracker.config == ConfState(voters: [1, 2, 3], learners: [4]))
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
        cluster.addEmptyMember(4)
        try cluster[1].propose([8])
        cluster.tick(1)
        cluster.stabilize()
        #expect(cluster[4].raft.tracker.config == ConfState(voters: [1, 2, 3], learners: [4]))
        #expect(cluster[4].raft.log.committed == cluster[1].raft.log.committed)
        #expect(cluster.appliedData(4) == [[8]])
    }

    @Test("a leader that removes itself leads until the removal commits, then steps down, and others elect a new leader")
    func removedLeaderStepsDown() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].proposeConfChange(ConfChange(operation: .removeNode, nodeID: 1))
        cluster.stabilize()
        #expect(cluster[1].raft.role == .leader)
        #expect(cluster[1].raft.tracker.config.voters == [1, 2, 3])
        cluster.healAll()
        cluster.tick(1)
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
