import Testing
@testable import Raft

@Suite struct ConfigurationLogTests {
    static func entry(_ index: UInt64, _ operation: ConfChange.Operation, _ node: NodeID) -> Entry {
        Entry(term: 1, index: index, kind: .configChange, data: ConfChange(operation: operation, nodeID: node).encoded())
    }

    @Test("appended changes count only once committed, in log order, each on the configuration before it")
    func committedInOrder() {
        var log = ConfigurationLog(inForce: ConfState(voters: [1]), index: 0)
        log.appended([Self.entry(1, .addLearner, 2), Entry(term: 1, index: 2), Self.entry(3, .addVoter, 2)])
        #expect(log.inForce == ConfState(voters: [1]))
        #expect(log.hasUncommittedChange)
        let changedAt2 = log.committed(upTo: 2)
        #expect(changedAt2)
        #expect(log.inForce == ConfState(voters: [1], learners: [2]))
        #expect(log.hasUncommittedChange)
        let changedAgain = log.committed(upTo: 2)
        #expect(!changedAgain)
        let changedAt3 = log.committed(upTo: 3)
        #expect(changedAt3)
        #expect(log.inForce == ConfState(voters: [1, 2]))
        #expect(!log.hasUncommittedChange)
        #expect(log.inForceIndex == 3)
    }

    @Test("a committed change that does not apply to the configuration before it is a no-op")
    func invalidChangeIsNoOp() {
        var log = ConfigurationLog(inForce: ConfState(voters: [1, 2]), index: 5)
        log.appended([Self.entry(6, .addVoter, 2)])
        let changedAt6 = log.committed(upTo: 6)
        #expect(!changedAt6)
        #expect(log.inForce == ConfState(voters: [1, 2]))
        #expect(!log.hasUncommittedChange)
    }

    @Test("truncated changes are forgotten without ever having counted")
    func truncationForgets() {
        var log = ConfigurationLog(inForce: ConfState(voters: [1, 2, 3]), index: 3)
        log.appended([Self.entry(4, .removeNode, 3)])
        log.truncated(from: 4)
        #expect(!log.hasUncommittedChange)
        log.appended([Self.entry(4, .addLearner, 4)])
        let changedAt4 = log.committed(upTo: 4)
        #expect(changedAt4)
        #expect(log.inForce == ConfState(voters: [1, 2, 3], learners: [4]))
    }

    @Test("a snapshot replaces the configuration in force and drops the uncommitted changes")
    func snapshotReplaces() {
        var log = ConfigurationLog(inForce: ConfState(voters: [1]), index: 0)
        log.appended([Self.entry(1, .addVoter, 2)])
        log.restore(SnapshotMetadata(index: 10, term: 2, confState: ConfState(voters: [1, 3])))
        #expect(log.inForce == ConfState(voters: [1, 3]))
        #expect(!log.hasUncommittedChange)
        let changedAt10 = log.committed(upTo: 10)
        #expect(!changedAt10)
    }
}
