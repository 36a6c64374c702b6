extension Raft {
    /// A linearizable read for `context`: answered as a `ReadState` once safe.
    mutating func readIndex(context: [UInt8]) throws(ProposalError) {
        switch role {
        case .leader:
            try enqueueRead(from: id, context: context)
        case .follower:
            guard leader != noNode else { throw .noLeader }
            send(to: leader, .readIndex(context: context))
        case .candidate, .preCandidate:
            throw .noLeader
        }
    }

    mutating func enqueueRead(from member: NodeID, context: [UInt8]) throws(ProposalError) {
        precondition(role == .leader)
        guard reads.pendingCount < configuration.maxPendingReads else { throw .tooManyPendingReads }
        reads.enqueue(.init(from: member, context: context), leaderCommittedInTerm: hasCommittedInCurrentTerm)
    }

    var hasReadRoundToStart: Bool {
        role == .leader && reads.canStartRound
    }

    /// Starts one heartbeat round for every read that arrived since the last round.
    mutating func startReadRound() {
        guard hasReadRoundToStart else { return }
        if tracker.config.voters == [id] {
            // A single voter is the quorum: its commit index is safe as it stands.
            let requests = reads.takeWaitingForRound()
            answer(requests, at: log.committed)
            return
        }
        let round = reads.startRound(index: log.committed, selfID: id)
        broadcastHeartbeat(readRound: round)
    }

    mutating func completeReads(_ rounds: [ReadIndexTracker.Round]) {
        for round in rounds {
            answer(round.requests, at: round.index)
        }
    }

    private mutating func answer(_ requests: [ReadIndexTracker.Request], at index: UInt64) {
        for request in requests {
            let state = ReadState(index: index, context: request.context)
            if request.from == id {
                readStates.append(state)
            } else {
                send(to: request.from, .readIndexResponse(state))
            }
        }
    }
}
