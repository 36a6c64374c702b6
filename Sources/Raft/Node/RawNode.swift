/// One member's Raft core, driven by its host: feed it ticks, messages, proposals and reads;
/// take a `Ready`, carry it out, and `advance`. No I/O, no clock, no threads: every decision
/// depends only on what was fed in and on the seed, so a run can be replayed exactly.
///
/// One `Ready` is outstanding at a time: `ready()` must be followed by `advance(_:)` before the
/// next `ready()`. Between them the host may keep feeding the node.
public final class RawNode {
    /// Internal so that tests can check the core's invariants directly.
    var raft: Raft
    private var lastHardState: HardState
    private var lastSoftState: SoftState
    private var outstanding = false

    /// Opens a member over `storage`, which holds what this member persisted before (or a new
    /// member's initial state: see `Bootstrap`).
    public init(configuration: RaftConfiguration, storage: any RaftStorage) {
        raft = Raft(configuration: configuration, storage: storage)
        lastHardState = raft.hardState
        lastSoftState = SoftState(role: raft.role, leader: raft.leader)
    }

    public var id: NodeID { raft.id }

    // MARK: Inputs

    /// One unit of logical time: elections and heartbeats are counted in ticks.
    public func tick() {
        raft.tick()
    }

    /// A message from another member. Malformed messages and messages for another member are dropped.
    public func step(_ message: Message) {
        raft.step(message)
    }

    /// Proposes commands to append to the log, in order. On a follower they are forwarded to the
    /// leader; if the leader loses them, nobody tells: the caller matches applied entries to what
    /// it proposed and gives up after a deadline.
    public func propose(_ commands: [[UInt8]]) throws(ProposalError) {
        let entries = commands.map { Entry(term: 0, index: 0, data: $0) }
        try raft.propose(entries)
    }

    public func propose(_ command: [UInt8]) throws(ProposalError) {
        try raft.propose([Entry(term: 0, index: 0, data: command)])
    }

    /// Proposes one membership change. It takes effect on each member when that member learns it
    /// is committed; until then the leader commits with the configuration before it.
    public func proposeConfChange(_ change: ConfChange) throws(ProposalError) {
        try raft.proposeConfChange(change)
    }

    /// Commit notices held back (`RaftConfiguration.deferCommitNotices`): the host should call
    /// `sendCommitNotices()` shortly.
    public var commitNoticeOwed: Bool { raft.commitNoticeOwed }

    /// Sends the commit notices held back, to the followers not yet told the commit index.
    public func sendCommitNotices() {
        raft.sendCommitNotices()
    }

    /// Asks for a linearizable read; `context` identifies it in the `ReadState` that answers it.
    public func readIndex(context: [UInt8]) throws(ProposalError) {
        try raft.readIndex(context: context)
    }

    /// Starts an election now (used to elect a leader at once in tests and at bootstrap).
    public func campaign() {
        raft.hup(transfer: false)
    }

    /// Asks the leader to hand leadership to `target` once its log is up to date.
    public func transferLeadership(to target: NodeID) throws(ProposalError) {
        try raft.transferLeadership(to: target)
    }

    /// The host finished sending a snapshot to `member`, or failed to.
    public func reportSnapshot(to member: NodeID, success: Bool) {
        guard raft.role == .leader else { return }
        raft.tracker[member]?.snapshotFinished(success: success)
    }

    /// The host could not reach `member`: stop streaming to it and probe instead.
    public func reportUnreachable(_ member: NodeID) {
        guard raft.role == .leader, raft.tracker[member]?.state == .replicate else { return }
        raft.tracker[member]?.becomeProbe()
    }

    // MARK: Ready

    public var hasReady: Bool {
        precondition(!outstanding, "hasReady called before advance of the outstanding Ready")
        return !raft.messages.isEmpty || !raft.messagesAfterPersist.isEmpty || !raft.readStates.isEmpty
            || !raft.log.unstable.entries.isEmpty || raft.log.unstable.snapshot != nil
            || raft.hardState != lastHardState || softState != lastSoftState
            || raft.log.hasNextCommittedEntries || raft.hasReadRoundToStart
    }

    /// Takes what the host must do now. See `Ready` for the order.
    public func ready() -> Ready {
        precondition(!outstanding, "ready called before advance of the outstanding Ready")
        raft.startReadRound()
        var ready = Ready()
        let soft = softState
        if soft != lastSoftState {
            ready.softState = soft
            lastSoftState = soft
        }
        let hard = raft.hardState
        if hard != lastHardState {
            ready.hardState = hard
            ready.mustSync = hard.term != lastHardState.term || hard.vote != lastHardState.vote
            lastHardState = hard
        }
        ready.entries = raft.log.unstable.entries
        ready.snapshot = raft.log.unstable.snapshot
        ready.committedEntries = raft.log.nextCommittedEntries(maxBytes: raft.configuration.maxCommittedBytesPerReady)
        ready.messages = raft.messages
        ready.messagesAfterPersist = raft.messagesAfterPersist
        ready.readStates = raft.readStates
        raft.messages.removeAll(keepingCapacity: true)
        raft.messagesAfterPersist.removeAll(keepingCapacity: true)
        raft.readStates.removeAll(keepingCapacity: true)
        ready.mustSync = ready.mustSync || !ready.entries.isEmpty || ready.snapshot != nil
        outstanding = true
        return ready
    }

    /// The host carried out `ready`: its entries and snapshot are persisted, its committed
    /// entries applied.
    public func advance(_ ready: Ready) {
        precondition(outstanding, "advance without an outstanding Ready")
        outstanding = false
        if let snapshot = ready.snapshot {
            raft.log.stableSnapshotTo(index: snapshot.metadata.index)
        }
        if let last = ready.entries.last {
            raft.log.stableTo(index: last.index, term: last.term)
            raft.leaderPersisted()
        }
        if let last = ready.committedEntries.last {
            raft.log.appliedTo(last.index)
            if raft.role == .leader {
                raft.uncommittedBytes = max(0, raft.uncommittedBytes - ready.committedEntries.sizeInBytes)
            }
        }
    }

    // MARK: State

    private var softState: SoftState {
        SoftState(role: raft.role, leader: raft.leader)
    }

    public var status: Status {
        Status(id: raft.id, role: raft.role, leader: raft.leader, hardState: raft.hardState,
               applied: raft.log.applied, lastIndex: raft.log.lastIndex, config: raft.tracker.config,
               leadTransferee: raft.leadTransferee,
               progress: raft.role == .leader ? raft.tracker.progress.mapValues { FollowerStatus(match: $0.match, next: $0.next, recentActive: $0.recentActive) } : [:])
    }

    /// The highest index the application may compact its log up to while keeping `retain`
    /// entries behind `applied` for followers that lag a little (so they need no snapshot).
    /// A leader also keeps whatever an active follower still needs, as long as that is within
    /// `retain` entries.
    public func compactionIndex(retaining retain: UInt64) -> UInt64 {
        let applied = raft.log.applied
        var index = applied > retain ? applied - retain : 0
        if raft.role == .leader {
            let slowest = raft.tracker.config.members.compactMap { raft.tracker[$0] }.filter(\.recentActive).map(\.match).min() ?? applied
            index = max(index, min(slowest, applied))
        }
        return index
    }
}

/// A member's state, for status output and tests.
public struct Status: Sendable {
    public var id: NodeID
    public var role: Role
    public var leader: NodeID
    public var hardState: HardState
    public var applied: UInt64
    public var lastIndex: UInt64
    public var config: ConfState
    public var leadTransferee: NodeID
    /// The leader's view of each member's log (empty on other members).
    public var progress: [NodeID: FollowerStatus]
}

public struct FollowerStatus: Sendable, Equatable {
    public var match: UInt64
    public var next: UInt64
    public var recentActive: Bool
}
