/// Linearizable reads waiting on the leader (Raft thesis §6.4, ReadIndex).
///
/// A read is answered with the commit index once a quorum confirms, by answering a heartbeat sent
/// after the read arrived, that this member is still the leader. Reads that arrive between two
/// `Ready`s share one heartbeat round. A new leader holds reads until it has committed an entry
/// of its own term: before that its commit index may be behind what an earlier leader committed.
struct ReadIndexTracker {
    struct Request {
        var from: NodeID
        var context: [UInt8]
    }

    struct Round {
        var id: UInt64
        var index: UInt64
        var requests: [Request]
        var acks: Set<NodeID>
    }

    /// Rounds of heartbeats for reads in flight at once; further reads wait for a free slot.
    static let maxRoundsInFlight = 16

    private(set) var waitingForCommit: [Request] = []
    private(set) var waitingForRound: [Request] = []
    private(set) var rounds: [Round] = []
    private var lastRoundID: UInt64 = 0
    private(set) var pendingCount = 0

    mutating func reset() {
        waitingForCommit.removeAll()
        waitingForRound.removeAll()
        rounds.removeAll()
        pendingCount = 0
    }

    mutating func enqueue(_ request: Request, leaderCommittedInTerm: Bool) {
        if leaderCommittedInTerm {
            waitingForRound.append(request)
        } else {
            waitingForCommit.append(request)
        }
        pendingCount += 1
    }

    /// The leader committed an entry of its term: held reads may now start.
    mutating func releaseWaitingForCommit() {
        waitingForRound.append(contentsOf: waitingForCommit)
        waitingForCommit.removeAll()
    }

    var canStartRound: Bool {
        !waitingForRound.isEmpty && rounds.count < Self.maxRoundsInFlight
    }

    /// Starts a round for every read waiting, at `index`; returns its id for the heartbeats.
    mutating func startRound(index: UInt64, selfID: NodeID) -> UInt64 {
        precondition(canStartRound, "no reads to start a round for")
        lastRoundID += 1
        rounds.append(Round(id: lastRoundID, index: index, requests: waitingForRound, acks: [selfID]))
        waitingForRound.removeAll()
        return lastRoundID
    }

    /// Takes every read waiting for a round, to be answered at once (a single voter needs no round).
    mutating func takeWaitingForRound() -> [Request] {
        let taken = waitingForRound
        waitingForRound.removeAll()
        pendingCount -= taken.count
        return taken
    }

    /// `from` answered the heartbeat of round `roundID`, which confirms every earlier round too.
    /// Returns the rounds that now have a quorum, oldest first.
    mutating func acknowledge(round roundID: UInt64, from: NodeID, config: ConfState) -> [Round] {
        guard config.isVoter(from) else { return [] }
        for i in rounds.indices where rounds[i].id <= roundID {
            rounds[i].acks.insert(from)
        }
        var done: [Round] = []
        while let first = rounds.first, first.acks.lazy.filter({ config.isVoter($0) }).count >= config.quorum {
            done.append(rounds.removeFirst())
            pendingCount -= first.requests.count
        }
        return done
    }
}
