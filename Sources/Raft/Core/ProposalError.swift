/// Why the core refused a proposal, a read or a membership change. None of these changed any
/// state: the caller may retry (after a leader is known, for the first three).
public enum ProposalError: Error, Equatable, Sendable {
    /// No leader is known: an election is in progress or this member is cut off.
    case noLeader
    /// The leader is handing leadership over and accepts no proposals until it is done.
    case leaderTransferInProgress
    /// The leader holds too many uncommitted bytes; the disk or the followers are behind.
    case tooManyUncommittedEntries
    /// Too many reads are waiting for a leadership confirmation.
    case tooManyPendingReads
    /// A membership change is still uncommitted, or the new leader has not yet committed an
    /// entry of its own term: one change at a time, each in force before the next is proposed
    /// (etcd-raft's `pendingConfIndex` rule, with the single-server change fix of the thesis).
    case configChangeInProgress
    /// The change does not apply to the configuration in force.
    case invalidConfigChange(ConfChangeError)
    /// Only a leader can do this (leadership transfer).
    case notLeader
    /// The transfer target is not a voter (or is this member).
    case invalidTransferTarget(NodeID)
}
