/// The first state of a new group's members, as etcd's raft bootstraps: one configuration entry
/// per initial voter at indexes 1...n of term 1, already committed. Every member starts with the
/// same log, and a member that joins later learns the whole membership by replaying it.
public enum Bootstrap {
    public static func initialLog(voters: [NodeID]) -> (entries: [Entry], hardState: HardState) {
        initialLog(voters: voters.map { ($0, []) })
    }

    /// The same, each voter's change carrying a context (the server's: the member's name and URLs).
    public static func initialLog(voters: [(id: NodeID, context: [UInt8])]) -> (entries: [Entry], hardState: HardState) {
        precondition(!voters.isEmpty, "a group needs at least one voter")
        precondition(Set(voters.map(\.id)).count == voters.count, "voters must be distinct")
        let entries = voters.sorted { $0.id < $1.id }.enumerated().map { offset, voter in
            Entry(term: 1, index: UInt64(offset + 1), kind: .configChange,
                  data: ConfChange(operation: .addVoter, nodeID: voter.id, context: voter.context).encoded())
        }
        return (entries, HardState(term: 1, vote: noNode, commit: UInt64(entries.count)))
    }
}
