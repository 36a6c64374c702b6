/// The first state of a new group's members, as etcd's raft bootstraps: one configuration entry
/// per initial voter at indexes 1...n of term 1, already committed. Every member starts with the
/// same log, and a member that joins later learns the whole membership by replaying it.
public enum Bootstrap {
    public static func initialLog(voters: [NodeID]) -> (entries: [Entry], hardState: HardState) {
        precondition(!voters.isEmpty, "a group needs at least one voter")
        let entries = voters.sorted().enumerated().map { offset, id in
            Entry(term: 1, index: UInt64(offset + 1), kind: .configChange, data: ConfChange(operation: .addVoter, nodeID: id).encoded())
        }
        return (entries, HardState(term: 1, vote: noNode, commit: UInt64(entries.count)))
    }
}
