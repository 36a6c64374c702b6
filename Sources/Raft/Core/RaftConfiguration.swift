/// How one member's core behaves. Times are in ticks: the host decides how long a tick is.
public struct RaftConfiguration: Sendable {
    public var id: NodeID
    /// T: a follower that hears nothing for a random time in `[T, 2T)` starts an election.
    public var electionTicks: Int = 10
    /// The leader sends heartbeats every this many ticks; must be below `electionTicks`.
    public var heartbeatTicks: Int = 1
    /// The index the application has applied already (on restart).
    public var applied: UInt64 = 0
    /// The most entry bytes in one append message (at least one entry is always sent).
    public var maxMessageBytes: Int = 1 << 20
    /// Appends in flight to one follower before the leader waits for acknowledgments.
    public var maxInflightMessages: Int = 256
    /// The most bytes of committed entries handed out in one `Ready`.
    public var maxCommittedBytesPerReady: Int = 64 << 20
    /// The most bytes of proposed, uncommitted entries a leader holds before refusing proposals.
    public var maxUncommittedBytes: Int = 64 << 20
    /// Reads waiting for a leadership confirmation before new ones are refused.
    public var maxPendingReads: Int = 1 << 16
    /// A leader that has not heard from a quorum for an election timeout steps down, and followers
    /// that recently heard from a leader ignore vote requests (thesis §6.2, §4.2.3).
    public var checkQuorum: Bool = true
    /// Elections start with a pre-vote round that changes no term (thesis §9.6).
    public var preVote: Bool = true
    /// When the leader's commit index moves, followers with nothing new to receive get no empty
    /// append at once: the host calls `RawNode.sendCommitNotices()` a moment later, by when the
    /// next proposal's append has usually carried the commit index already. Off, the leader
    /// sends the empty appends at once, as etcd's raft does. Only followers' knowledge of the
    /// commit waits (and heartbeats carry it too); what is committed does not change.
    public var deferCommitNotices: Bool = false
    /// Seeds the randomized election timeout; the only source of randomness in the core.
    public var randomSeed: UInt64 = 0

    public init(id: NodeID) {
        self.id = id
    }

    func validate() {
        precondition(id != noNode, "member id 0 is reserved")
        precondition(heartbeatTicks > 0, "heartbeatTicks must be positive")
        precondition(electionTicks > heartbeatTicks, "electionTicks must exceed heartbeatTicks")
        precondition(maxInflightMessages > 0, "maxInflightMessages must be positive")
        precondition(maxMessageBytes > 0 && maxCommittedBytesPerReady > 0 && maxUncommittedBytes > 0, "byte limits must be positive")
    }
}
