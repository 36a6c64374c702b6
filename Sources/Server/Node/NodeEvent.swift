import Raft

/// What the run loop is asked to do. Everything reaches the core through one queue, so the core
/// is only ever touched by the loop's thread.
enum NodeEvent {
    /// A message from a peer.
    case message(Message)
    /// A request to append to the log; `completion` runs on the loop's thread when it is applied
    /// here, or fails.
    case propose(payload: [UInt8], deadline: ContinuousClock.Instant, completion: @Sendable (Result<AppliedProposal, NodeError>) -> Void)
    /// A membership change; `change.context` is the caller's and travels with the entry.
    case proposeConfChange(ConfChange, deadline: ContinuousClock.Instant, completion: @Sendable (Result<AppliedProposal, NodeError>) -> Void)
    /// A linearizable read: `completion` runs once this member has applied everything committed
    /// before the read arrived.
    case read(deadline: ContinuousClock.Instant, completion: @Sendable (Result<UInt64, NodeError>) -> Void)
    /// The transport could not reach a peer, or finished sending it a snapshot.
    case unreachable(NodeID)
    case snapshotSent(NodeID, success: Bool)
    /// Hand leadership to a member.
    case transferLeadership(NodeID)
    /// Rewrite the state file as a compacted copy, on the loop's thread between two applies
    /// (`RaftNode.defragment`); `completion` runs there when it is done or has failed.
    case defragment(completion: @Sendable (Result<Void, any Error>) -> Void)
}

/// A proposal once applied: where it landed and what the applier answered.
public struct AppliedProposal: Sendable {
    public var index: UInt64
    /// What the applier returned (for a membership change: nothing).
    public var result: any Sendable
}
