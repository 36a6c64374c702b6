extension Raft {
    /// The configuration in force changed (an entry known committed, or a snapshot): track the
    /// new members. A leader then counts commits and votes by the new quorum.
    mutating func configurationChanged() {
        tracker.apply(configLog.inForce, nextIndex: log.lastIndex + 1)
        if leadTransferee != noNode && !tracker.config.isVoter(leadTransferee) {
            leadTransferee = noNode
        }
    }

    /// Thesis §4.2.2: a leader removed from the configuration manages the cluster until the change
    /// is committed (until then the configuration without it is not in force), then steps down.
    mutating func stepDownIfRemoved() {
        guard role == .leader, !tracker.config.isVoter(id) else { return }
        becomeFollower(term: term, leader: noNode)
    }

    /// A change is checked against the configuration on the leader; a follower forwards it and
    /// the leader checks it there.
    mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) {
        if role == .leader, case .failure(let reason) = tracker.config.applying(change) {
            throw .invalidConfigChange(reason)
        }
        try propose([Entry(term: 0, index: 0, kind: .configChange, data: change.encoded())])
    }

    // MARK: Leadership transfer (thesis §3.10)

    mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        guard role == .leader else { throw .notLeader }
        guard target != id, tracker.config.isVoter(target) else { throw .invalidTransferTarget(target) }
        if leadTransferee == target { return }
        leadTransferee = target
        // The transfer must finish within an election timeout, or it is abandoned.
        electionElapsed = 0
        if tracker[target]?.match == log.lastIndex {
            sendTimeoutNow(to: target)
        } else {
            sendAppend(to: target)
        }
    }
}
