/// One message between members of a group. `term` is the sender's current term; the payload says
/// what it is. The core never sends a message to itself.
public struct Message: Equatable, Sendable {
    public var from: NodeID
    public var to: NodeID
    public var term: UInt64
    public var payload: Payload

    public init(from: NodeID, to: NodeID, term: UInt64, payload: Payload) {
        self.from = from
        self.to = to
        self.term = term
        self.payload = payload
    }

    public enum Payload: Equatable, Sendable {
        case append(Append)
        case appendResponse(AppendResponse)
        case heartbeat(Heartbeat)
        case heartbeatResponse(HeartbeatResponse)
        case vote(VoteRequest)
        case voteResponse(VoteResponse)
        case snapshot(Snapshot)
        /// Sent by a leader handing over leadership: the receiver starts an election at once.
        case timeoutNow
        /// A follower's proposals, forwarded to the leader.
        case propose([Entry])
        /// A follower asks the leader for a read index on behalf of a client read.
        case readIndex(context: [UInt8])
        case readIndexResponse(ReadState)
    }
}

/// AppendEntries: `entries` follow the entry at (`prevIndex`, `prevTerm`).
public struct Append: Equatable, Sendable {
    public var prevIndex: UInt64
    public var prevTerm: UInt64
    public var entries: [Entry]
    public var commit: UInt64

    public init(prevIndex: UInt64, prevTerm: UInt64, entries: [Entry], commit: UInt64) {
        self.prevIndex = prevIndex
        self.prevTerm = prevTerm
        self.entries = entries
        self.commit = commit
    }
}

/// The answer to `Append` (and to an installed snapshot).
///
/// Accepted: `index` is the last index the follower now holds that matches the leader.
/// Rejected: `index` is the `prevIndex` that did not match, and (`hintIndex`, `hintTerm`) is the
/// follower's guess of where the logs agree, so that the leader skips a whole term per round trip
/// (Raft paper §5.3, "the follower can include the term of the conflicting entry").
public struct AppendResponse: Equatable, Sendable {
    public var index: UInt64
    public var reject: Bool
    public var hintIndex: UInt64
    public var hintTerm: UInt64

    public init(index: UInt64, reject: Bool = false, hintIndex: UInt64 = 0, hintTerm: UInt64 = 0) {
        self.index = index
        self.reject = reject
        self.hintIndex = hintIndex
        self.hintTerm = hintTerm
    }
}

/// A leader's heartbeat. `commit` never exceeds what the follower is known to hold.
/// A non-zero `readRound` asks the follower to confirm leadership for that round of reads.
public struct Heartbeat: Equatable, Sendable {
    public var commit: UInt64
    public var readRound: UInt64

    public init(commit: UInt64, readRound: UInt64 = 0) {
        self.commit = commit
        self.readRound = readRound
    }
}

public struct HeartbeatResponse: Equatable, Sendable {
    public var readRound: UInt64

    public init(readRound: UInt64 = 0) {
        self.readRound = readRound
    }
}

/// RequestVote, or PreVote when `preVote` (thesis §9.6): a pre-vote asks "would you vote for me
/// in `term`?" without anyone changing term. `transfer` marks an election started by a leader
/// transfer, which may override a recent leader's lease (thesis §3.10).
public struct VoteRequest: Equatable, Sendable {
    public var preVote: Bool
    public var lastIndex: UInt64
    public var lastTerm: UInt64
    public var transfer: Bool

    public init(preVote: Bool, lastIndex: UInt64, lastTerm: UInt64, transfer: Bool = false) {
        self.preVote = preVote
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
        self.transfer = transfer
    }
}

public struct VoteResponse: Equatable, Sendable {
    public var preVote: Bool
    public var granted: Bool

    public init(preVote: Bool, granted: Bool) {
        self.preVote = preVote
        self.granted = granted
    }
}
