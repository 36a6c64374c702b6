extension Raft {
    /// Feeds a message from another member. Anything a peer can send is guarded here: a message
    /// that is not for us or is malformed is dropped before it touches any state.
    mutating func step(_ message: Message) {
        guard message.to == id, message.from != noNode, message.from != id, isWellFormed(message) else { return }
        guard handleTerm(of: message) else { return }

        if case .vote(let request) = message.payload {
            handleVoteRequest(from: message.from, term: message.term, request)
            return
        }
        switch role {
        case .leader: stepLeader(message)
        case .candidate, .preCandidate: stepCandidate(message)
        case .follower: stepFollower(message)
        }
    }

    /// Appends must carry consecutive entries after `prevIndex`, of terms that never decrease and
    /// never exceed the message's term.
    private func isWellFormed(_ message: Message) -> Bool {
        switch message.payload {
        case .append(let append):
            var expectedIndex = append.prevIndex + 1
            var lastTerm = append.prevTerm
            for entry in append.entries {
                guard entry.index == expectedIndex, entry.term >= lastTerm, entry.term <= message.term else { return false }
                expectedIndex += 1
                lastTerm = entry.term
            }
            return append.prevTerm <= message.term
        case .snapshot(let snapshot):
            return !snapshot.isEmpty && snapshot.metadata.term <= message.term
        default:
            return true
        }
    }

    /// Raft paper §5.1: a newer term makes us a follower; an older one is answered so its sender
    /// learns the term, or ignored. Returns whether the message should be processed further.
    private mutating func handleTerm(of message: Message) -> Bool {
        if message.term > term {
            if case .vote(let request) = message.payload, !request.transfer, inLeaderLease {
                // Thesis §4.2.3: a member that heard from a leader within the minimum election
                // timeout neither updates its term nor votes: the candidate is disruptive.
                return false
            }
            switch message.payload {
            case .vote(let request) where request.preVote:
                break
            case .voteResponse(let response) where response.preVote && response.granted:
                // Granted pre-votes carry the term we would campaign in; ours does not change yet.
                break
            case .append, .heartbeat, .snapshot:
                becomeFollower(term: message.term, leader: message.from)
            default:
                becomeFollower(term: message.term, leader: noNode)
            }
            return true
        }
        if message.term < term {
            switch message.payload {
            case .append, .heartbeat:
                // A leader of an old term, perhaps cut off: our answer carries our term and makes it
                // step down. Without this it could wait forever (pre-vote and check-quorum keep us
                // from raising our term through elections).
                send(to: message.from, .appendResponse(AppendResponse(index: 0)))
            case .vote(let request) where request.preVote:
                send(to: message.from, .voteResponse(VoteResponse(preVote: true, granted: false)))
            default:
                break
            }
            return false
        }
        return true
    }

    /// Whether a leader was heard from within the minimum election timeout.
    var inLeaderLease: Bool {
        configuration.checkQuorum && leader != noNode && electionElapsed < configuration.electionTicks
    }

    private mutating func handleVoteRequest(from candidate: NodeID, term messageTerm: UInt64, _ request: VoteRequest) {
        let canVote = vote == candidate
            || (vote == noNode && leader == noNode)
            || (request.preVote && messageTerm > term)
        if canVote && log.isUpToDate(lastIndex: request.lastIndex, lastTerm: request.lastTerm) {
            // A granted pre-vote answers in the term asked about, so the candidate can count it.
            send(Message(from: id, to: candidate, term: messageTerm, payload: .voteResponse(VoteResponse(preVote: request.preVote, granted: true))))
            if !request.preVote {
                electionElapsed = 0
                vote = candidate
            }
        } else {
            send(to: candidate, .voteResponse(VoteResponse(preVote: request.preVote, granted: false)))
        }
    }

    private mutating func stepLeader(_ message: Message) {
        guard tracker[message.from] != nil else { return }
        switch message.payload {
        case .appendResponse(let response):
            handleAppendResponse(from: message.from, response)
        case .heartbeatResponse(let response):
            handleHeartbeatResponse(from: message.from, response)
        case .propose(let entries):
            // A refused forwarded proposal is dropped; the follower's caller times out and retries.
            try? appendProposals(entries.map(sanitizedForwardedEntry))
        case .readIndex(let context):
            try? enqueueRead(from: message.from, context: context)
        default:
            break
        }
    }

    private mutating func stepCandidate(_ message: Message) {
        switch message.payload {
        case .append(let append):
            becomeFollower(term: term, leader: message.from)
            handleAppend(from: message.from, append)
        case .heartbeat(let heartbeat):
            becomeFollower(term: term, leader: message.from)
            handleHeartbeat(from: message.from, heartbeat)
        case .snapshot(let snapshot):
            becomeFollower(term: term, leader: message.from)
            handleSnapshot(from: message.from, snapshot)
        case .voteResponse(let response):
            guard response.preVote == (role == .preCandidate) else { return }
            switch tracker.recordVote(from: message.from, granted: response.granted) {
            case .won:
                if role == .preCandidate {
                    campaign(.election)
                } else {
                    becomeLeader()
                    broadcastAppend()
                }
            case .lost:
                becomeFollower(term: term, leader: noNode)
            case .pending:
                break
            }
        default:
            break
        }
    }

    private mutating func stepFollower(_ message: Message) {
        switch message.payload {
        case .append(let append):
            electionElapsed = 0
            leader = message.from
            handleAppend(from: message.from, append)
        case .heartbeat(let heartbeat):
            electionElapsed = 0
            leader = message.from
            handleHeartbeat(from: message.from, heartbeat)
        case .snapshot(let snapshot):
            electionElapsed = 0
            leader = message.from
            handleSnapshot(from: message.from, snapshot)
        case .timeoutNow:
            // Thesis §3.10: the leader chose us; campaign at once, skipping the pre-vote.
            hup(transfer: true)
        case .readIndexResponse(let readState):
            readStates.append(readState)
        case .propose, .readIndex:
            // Another follower's request reached us (a stale view of the leader): pass it on.
            guard leader != noNode, leader != message.from else { return }
            send(Message(from: message.from, to: leader, term: term, payload: message.payload))
        default:
            break
        }
    }
}
