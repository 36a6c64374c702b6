/// The consensus algorithm of one member, as a deterministic state machine: no I/O, no clock,
/// no threads. `RawNode` is its public face; the parts of the algorithm live in the
/// `Raft+*.swift` extensions.
struct Raft {
    let id: NodeID
    let configuration: RaftConfiguration

    var term: UInt64 = 0
    var vote: NodeID = noNode
    var log: RaftLog
    var role: Role = .follower
    var leader: NodeID = noNode

    var tracker: ProgressTracker
    var configLog: ConfigurationLog

    /// Ticks since the last election timeout reset (follower: since it heard from the leader).
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    var random: SplitMix64

    /// The member leadership is being handed to, or `noNode`.
    var leadTransferee: NodeID = noNode
    /// Bytes proposed on this leader and not yet applied (bounded by `maxUncommittedBytes`).
    var uncommittedBytes = 0
    var reads = ReadIndexTracker()
    /// The leader's commit moved while some follower had nothing new to receive, and
    /// `deferCommitNotices` holds its notice back (`sendCommitNotices`).
    var commitNoticeOwed = false

    /// Messages that may leave before this member persists the `Ready` they come with.
    var messages: [Message] = []
    /// Messages that may leave only after the `Ready` they come with is persisted.
    var messagesAfterPersist: [Message] = []
    var readStates: [ReadState] = []

    init(configuration: RaftConfiguration, storage: any RaftStorage) {
        configuration.validate()
        id = configuration.id
        self.configuration = configuration
        random = SplitMix64(seed: configuration.randomSeed ^ (configuration.id &* 0x9E37_79B9_7F4A_7C15))
        log = RaftLog(storage: storage)
        let (hardState, confState) = RaftLog.unwrap { try storage.initialState() }
        // The configuration in force: the snapshot's, then the configuration entries up to the
        // persisted commit index. Those after it count once this member learns they are committed.
        configLog = ConfigurationLog(inForce: confState, index: log.firstIndex - 1)
        tracker = ProgressTracker(config: confState, inflightCapacity: configuration.maxInflightMessages)

        var next = log.firstIndex
        let end = log.lastIndex + 1
        while next < end {
            let chunk = log.slice(next, end, maxBytes: 16 << 20)
            configLog.appended(chunk)
            next += UInt64(chunk.count)
        }
        if hardState != .empty {
            precondition(hardState.commit <= log.lastIndex, "hard state commit \(hardState.commit) beyond last index \(log.lastIndex)")
            term = hardState.term
            vote = hardState.vote
            log.commitTo(hardState.commit)
        }
        _ = configLog.committed(upTo: log.committed)
        if configuration.applied > 0 {
            log.appliedTo(min(configuration.applied, log.committed))
        }
        tracker.apply(configLog.inForce, nextIndex: log.lastIndex + 1)
        becomeFollower(term: term, leader: noNode)
    }

    var hardState: HardState {
        HardState(term: term, vote: vote, commit: log.committed)
    }

    /// Only a voter of the configuration in force may start an election.
    var isPromotable: Bool {
        tracker.config.isVoter(id)
    }

    var hasCommittedInCurrentTerm: Bool {
        log.term(at: log.committed) == term
    }

    // MARK: Sending

    mutating func send(_ message: Message) {
        precondition(message.to != id && message.to != noNode, "message to \(message.to) from \(id)")
        if role == .leader && message.payload.mayPrecedePersist {
            messages.append(message)
        } else {
            messagesAfterPersist.append(message)
        }
    }

    mutating func send(to: NodeID, _ payload: Message.Payload) {
        send(Message(from: id, to: to, term: term, payload: payload))
    }

    // MARK: Ticks

    mutating func tick() {
        if role == .leader {
            tickLeader()
        } else {
            tickElection()
        }
    }

    private mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    private mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= configuration.electionTicks {
            electionElapsed = 0
            if configuration.checkQuorum && !tracker.quorumActiveAndReset(selfID: id) {
                becomeFollower(term: term, leader: noNode)
                return
            }
            // A transfer that did not finish within an election timeout is abandoned.
            leadTransferee = noNode
        }
        if heartbeatElapsed >= configuration.heartbeatTicks {
            heartbeatElapsed = 0
            // Carrying the newest read round still waiting means a lost acknowledgement of it
            // is made up by the next heartbeat, instead of the reads waiting for their deadline.
            broadcastHeartbeat(readRound: reads.rounds.last?.id ?? 0)
        }
    }

    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = configuration.electionTicks + random.next(below: configuration.electionTicks)
    }

    // MARK: Role changes

    /// Starts `term` afresh: forgets the vote of an older term, the leader, the timers and every
    /// per-term structure.
    mutating func reset(term newTerm: UInt64) {
        if term != newTerm {
            term = newTerm
            vote = noNode
        }
        leader = noNode
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        leadTransferee = noNode
        commitNoticeOwed = false
        tracker.resetVotes()
        tracker.resetProgress(nextIndex: log.lastIndex + 1, selfID: id, selfMatch: log.stableLastIndex)
        reads.reset()
        uncommittedBytes = 0
    }

    mutating func becomeFollower(term newTerm: UInt64, leader newLeader: NodeID) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader cannot become pre-candidate")
        // A pre-vote changes neither term nor vote.
        tracker.resetVotes()
        leader = noNode
        role = .preCandidate
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader cannot become candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader (was \(role))")
        reset(term: term)
        role = .leader
        leader = id
        tracker[id]?.becomeReplicate()
        // Raft thesis §6.4: a new leader commits an entry of its own term first; until then it
        // cannot know which entries are committed.
        appendEntries([Entry(term: term, index: 0)])
    }
}

extension Message.Payload {
    /// Thesis §10.2.1: a leader may send its appends before its own disk write finishes, because
    /// it counts itself for commit only once that write is done. Everything a non-leader sends
    /// (votes, acknowledgements) speaks for state that must be on disk first.
    var mayPrecedePersist: Bool {
        switch self {
        case .append, .heartbeat, .snapshot, .timeoutNow, .readIndexResponse: true
        default: false
        }
    }
}
