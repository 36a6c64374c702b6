/// A configuration of the group: who votes and who only receives the log.
///
/// Both lists are kept sorted and disjoint, so two equal configurations compare equal and
/// iteration order is deterministic (the simulator depends on that).
public struct ConfState: Equatable, Sendable {
    public private(set) var voters: [NodeID]
    public private(set) var learners: [NodeID]

    public init(voters: [NodeID] = [], learners: [NodeID] = []) {
        self.voters = Array(Set(voters)).sorted()
        self.learners = Array(Set(learners).subtracting(voters)).sorted()
        precondition(!self.voters.contains(noNode) && !self.learners.contains(noNode), "node id 0 is reserved")
    }

    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }
    public func isLearner(_ id: NodeID) -> Bool { learners.contains(id) }
    public func isMember(_ id: NodeID) -> Bool { isVoter(id) || isLearner(id) }

    /// Every member, voters first.
    public var members: [NodeID] { voters + learners }

    /// Votes needed to win an election or commit an entry: floor(n/2) + 1.
    public var quorum: Int { voters.count / 2 + 1 }

    /// The configuration after `change`, or a reason it cannot be applied.
    public func applying(_ change: ConfChange) -> Result<ConfState, ConfChangeError> {
        switch change.operation {
        case .addVoter:
            if isVoter(change.nodeID) { return .failure(.alreadyVoter(change.nodeID)) }
            return .success(ConfState(voters: voters + [change.nodeID], learners: learners.filter { $0 != change.nodeID }))
        case .addLearner:
            if isVoter(change.nodeID) { return .failure(.alreadyVoter(change.nodeID)) }
            if isLearner(change.nodeID) { return .failure(.alreadyLearner(change.nodeID)) }
            return .success(ConfState(voters: voters, learners: learners + [change.nodeID]))
        case .removeNode:
            if !isMember(change.nodeID) { return .failure(.notMember(change.nodeID)) }
            if voters == [change.nodeID] { return .failure(.removesLastVoter(change.nodeID)) }
            return .success(ConfState(voters: voters.filter { $0 != change.nodeID }, learners: learners.filter { $0 != change.nodeID }))
        }
    }
}
