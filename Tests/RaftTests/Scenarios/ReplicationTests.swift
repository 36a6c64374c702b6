import Testing
@testable import Raft

@Suite("Replication and commit (Raft paper §5.3, §5.4.2; thesis §10.2.1)")
struct ReplicationTests {
    /// A leader of term 4 over members 1, 2, 3 whose log ends with an entry of term 2 at index 4
    /// (left by an earlier leader) and its own no-op at index 5; the no-op is persisted.
    private func leaderWithOldTermEntry() -> RawNode {
        let storage = MemoryStorage()
        let (bootstrap, _) = Bootstrap.initialLog(voters: [1, 2, 3])
        storage.append(bootstrap + [Entry(term: 2, index: 4, data: [7])])
        storage.setHardState(HardState(term: 3, vote: noNode, commit: 3))
        var configuration = RaftConfiguration(id: 1)
        configuration.preVote = false
        let node = RawNode(configuration: configuration, storage: storage)
        node.campaign()
        node.step(Message(from: 2, to: 1, term: 4, payload: .voteResponse(VoteResponse(preVote: false, granted: true))))
        let ready = node.ready()
        storage.append(ready.entries)
        node.advance(ready)
        precondition(node.raft.role == .leader && node.raft.term == 4)
        return node
    }

    @Test("Figure 8: an entry of an older term on a majority is not committed until an entry of the leader's term is")
    func figureEight() {
        let node = leaderWithOldTermEntry()
        node.step(Message(from: 2, to: 1, term: 4, payload: .appendResponse(AppendResponse(index: 4))))
        #expect(node.raft.log.committed == 3, "index 4 (term 2) is on members 1 and 2 but must not commit")
        node.step(Message(from: 2, to: 1, term: 4, payload: .appendResponse(AppendResponse(index: 5))))
        #expect(node.raft.log.committed == 5)
    }

    @Test("the leader sends its appends before its own persist and counts itself only after it")
    func leaderAppendsBeforePersist() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].propose([1, 2, 3])
        let ready = cluster[1].ready()
        #expect(ready.entries.count == 1)
        #expect(ready.messages.filter { if case .append = $0.payload { true } else { false } }.count == 2)
        // Both followers acknowledge before the leader's disk write finishes: they are a quorum.
        for message in ready.messages { cluster[message.to].step(message) }
        for id: NodeID in [2, 3] {
            let followerReady = cluster[id].ready()
            cluster.storages[id]!.append(followerReady.entries)
            for response in followerReady.messagesAfterPersist { cluster[1].step(response) }
            cluster[id].advance(followerReady)
        }
        #expect(cluster[1].raft.log.committed == ready.entries[0].index)
        cluster.storages[1]!.append(ready.entries)
        cluster[1].advance(ready)
    }

    @Test("with deferCommitNotices an idle follower learns a commit from the next append, or from sendCommitNotices: no empty append goes out at once")
    func deferredCommitNotices() throws {
        let cluster = TestCluster(voters: [1, 2, 3]) { $0.deferCommitNotices = true }
        cluster.elect(1)
        let noOp = cluster[1].raft.log.committed
        #expect(cluster[1].commitNoticeOwed)
        #expect(cluster[2].raft.log.committed < noOp)

        // The next proposal's append carries the no-op's commit; its own commit is owed then.
        try cluster[1].propose([7])
        cluster.stabilize()
        #expect(cluster[1].raft.log.committed == noOp + 1)
        #expect(cluster[2].raft.log.committed == noOp && cluster[3].raft.log.committed == noOp)
        #expect(cluster.appliedData(1) == [[7]])
        #expect(cluster.appliedData(2).isEmpty)
        #expect(cluster[1].commitNoticeOwed)

        let before = cluster.delivered.count
        cluster[1].sendCommitNotices()
        cluster.stabilize()
        #expect(!cluster[1].commitNoticeOwed)
        let notices = cluster.delivered[before...].filter { message in
            if case .append(let append) = message.payload { append.entries.isEmpty && append.commit == noOp + 1 } else { false }
        }
        #expect(notices.map(\.to).sorted() == [2, 3])
        #expect(cluster.appliedData(2) == [[7]] && cluster.appliedData(3) == [[7]])

        // Nothing is owed any more: another call sends nothing.
        let after = cluster.delivered.count
        cluster[1].sendCommitNotices()
        cluster.stabilize()
        #expect(cluster.delivered.count == after)
    }

    @Test("a leader alone does not commit before its own persist")
    func singleVoterCommitsAfterPersist() throws {
        let cluster = TestCluster(voters: [1])
        cluster.elect(1)
        try cluster[1].propose([5])
        let ready = cluster[1].ready()
        #expect(ready.committedEntries.isEmpty)
        cluster.storages[1]!.append(ready.entries)
        cluster[1].advance(ready)
        #expect(cluster[1].ready().committedEntries.map(\.data) == [[5]])
    }

    @Test("pipelining: at most maxInflightMessages appends are unacknowledged, each within maxMessageBytes")
    func inflightWindowAndByteLimit() throws {
        let cluster = TestCluster(voters: [1, 2]) { configuration in
            configuration.maxInflightMessages = 3
            configuration.maxMessageBytes = 100
        }
        cluster.elect(1)
        for i in 0..<20 { try cluster[1].propose([UInt8](repeating: UInt8(i), count: 60)) }
        cluster.handleReady(1)
        let appends = cluster.queue.compactMap { message -> Append? in
            if case .append(let append) = message.payload, message.to == 2 { return append }
            return nil
        }
        #expect(appends.count == 3)
        #expect(appends.allSatisfy { $0.entries.count == 1 })
        cluster.stabilize()
        #expect(cluster.appliedData(2).count == 20)
    }

    @Test("fast back-off: a follower with a long divergent suffix is repaired in a few round trips, not one per entry")
    func fastBackoff() throws {
        let cluster = TestCluster(voters: [1, 2, 3]) { configuration in
            // No leases: the test elects a new leader without waiting out the old one's.
            configuration.preVote = false
            configuration.checkQuorum = false
        }
        cluster.elect(1)
        // Member 1 leads alone for a while: 50 entries of its term that nobody else gets.
        cluster.isolate(1)
        for i in 0..<50 { try? cluster[1].propose([UInt8(i)]); cluster.handleReady(1) }
        cluster.queue.removeAll()
        // Meanwhile 2 becomes leader and commits 3 entries.
        cluster.cut.remove([2, 3]); cluster.cut.remove([3, 2])
        cluster.elect(2)
        for i in 0..<3 { try cluster.propose(2, [100 + UInt8(i)]) }
        cluster.healAll()
        let before = cluster.delivered.count
        cluster.tick(2)
        cluster.stabilize()
        let rejections = cluster.delivered[before...].filter { if case .appendResponse(let r) = $0.payload { r.reject } else { false } }
        #expect(rejections.count <= 3)
        #expect(cluster.storages[1]!.hardState.term == cluster[2].raft.term)
        #expect(cluster.appliedData(1).suffix(3) == [[100], [101], [102]])
    }

    @Test("a follower behind the leader's compacted log receives a snapshot and then the entries after it")
    func snapshotToLaggingFollower() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster.isolate(3)
        for i in 0..<10 { try cluster.propose(1, [UInt8(i)]) }
        let applied = cluster[1].raft.log.applied
        try cluster.storages[1]!.createSnapshot(at: applied, confState: ConfState(voters: [1, 2, 3]), data: [42])
        try cluster.storages[1]!.compact(upTo: applied)
        try cluster.propose(1, [200])
        cluster.healAll()
        cluster.tick(1)
        cluster.stabilize()
        #expect(cluster.delivered.contains { if case .snapshot = $0.payload { $0.to == 3 } else { false } })
        #expect(try cluster.storages[3]!.snapshot().data == [42])
        #expect(cluster.appliedData(3).last == [200])
        #expect(cluster[1].status.progress[3]?.match == cluster[1].raft.log.lastIndex)
    }

    @Test("a proposal on a follower is forwarded to the leader and committed")
    func followerForwards() throws {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster.propose(3, [77])
        #expect(cluster.appliedData(1) == [[77]])
        #expect(cluster.appliedData(3) == [[77]])
    }

    @Test("with no leader known, a proposal is refused with noLeader")
    func noLeaderRefusal() {
        let cluster = TestCluster(voters: [1, 2, 3])
        #expect(throws: ProposalError.noLeader) { try cluster[2].propose([1]) }
        cluster[2].campaign()
        #expect(throws: ProposalError.noLeader) { try cluster[2].propose([1]) }
    }

    @Test("a malformed append (a gap in its entries) is dropped without effect")
    func malformedAppendDropped() {
        let cluster = TestCluster(voters: [1, 2, 3])
        cluster.elect(1)
        let before = cluster[2].raft.log.lastIndex
        let entries = [Entry(term: 2, index: before + 1), Entry(term: 2, index: before + 3)]
        cluster[2].step(Message(from: 1, to: 2, term: 2, payload: .append(Append(prevIndex: before, prevTerm: 2, entries: entries, commit: 0))))
        #expect(cluster[2].raft.log.lastIndex == before)
        #expect(!cluster[2].hasReady)
    }

    @Test("the uncommitted byte limit refuses proposals while the followers and disk are behind")
    func uncommittedLimit() throws {
        let cluster = TestCluster(voters: [1, 2, 3]) { $0.maxUncommittedBytes = 1_000 }
        cluster.elect(1)
        cluster.isolate(1)
        try cluster[1].propose([UInt8](repeating: 0, count: 600))
        #expect(throws: ProposalError.tooManyUncommittedEntries) { try cluster[1].propose([UInt8](repeating: 0, count: 600)) }
    }
}
