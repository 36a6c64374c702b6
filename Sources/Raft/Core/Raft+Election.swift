extension Raft {
    enum CampaignKind {
        /// A pre-vote round (thesis §9.6): asks whether we could win before raising anyone's term.
        case preElection
        /// A real election in a new term.
        case election
        /// An election asked for by the leader handing over (thesis §3.10); it may override leases.
        case transfer
    }

    /// The election timer expired, or the leader handed over: start an election if we may.
    mutating func hup(transfer: Bool) {
        guard role != .leader, isPromotable else { return }
        if transfer {
            campaign(.transfer)
        } else {
            campaign(configuration.preVote ? .preElection : .election)
        }
    }

    mutating func campaign(_ kind: CampaignKind) {
        let voteTerm: UInt64
        if kind == .preElection {
            becomePreCandidate()
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteTerm = term
        }
        if tracker.recordVote(from: id, granted: true) == .won {
            // A single voter wins alone.
            if kind == .preElection {
                campaign(.election)
            } else {
                becomeLeader()
            }
            return
        }
        let request = VoteRequest(preVote: kind == .preElection, lastIndex: log.lastIndex, lastTerm: log.lastTerm, transfer: kind == .transfer)
        for voter in tracker.config.voters where voter != id {
            send(Message(from: id, to: voter, term: voteTerm, payload: .vote(request)))
        }
    }
}
