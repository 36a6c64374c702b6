/// What a member must have on disk before it answers anyone (Raft paper, Figure 2: "updated on
/// stable storage before responding to RPCs"): its term and its vote. `commit` is kept beside
/// them so that a restart does not re-apply from zero; losing it is safe.
public struct HardState: Equatable, Sendable {
    public var term: UInt64
    public var vote: NodeID
    public var commit: UInt64

    public init(term: UInt64 = 0, vote: NodeID = noNode, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public static let empty = HardState()
}
