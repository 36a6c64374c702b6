/// A member of a Raft group. `0` is never a member: it means "none" (no leader, no vote).
public typealias NodeID = UInt64

/// The id that stands for "no member".
public let noNode: NodeID = 0
