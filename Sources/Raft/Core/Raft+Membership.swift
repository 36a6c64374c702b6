extension Raft {
    /// The configuration in force changed (an entry appended or truncated, or a snapshot):
    /// track the new members, and let the leader commit by the new quorum.
    mutating func configurationChanged() {
        tracker.apply(configLog.current, nextIndex: log.lastIndex + 1)
        if leadTransferee != noNode && !tracker.config.isVoter(leadTransferee) {
            leadTransferee = noNode
        }
        guard role == .leader else { return }
        if maybeCommit() {
            broadcastAppend()
            stepDownIfRemoved()
        }
    }

    /// Thesis §4.2.2: a leader removed from the configuration manages the cluster until the change
    /// is committed, then steps down.
    mutating func stepDownIfRemoved() {
        guard role == .leader, !tracker.config.isVoter(id), configLog.latestPendingIndex == nil else { return }
        becomeFollower(term: term, leader: noNode)
    }

    mutating func proposeConfChange(_ change: ConfChange) throws(ProposalError) {
        guard role == .leader else {
            guard role == .follower, leader != noNode else { throw .noLeader }
            send(to: leader, .propose([Entry(term: 0, index: 0, kind: .configChange, data: change.encoded())]))
            return
        }
        if case .failure(let reason) = tracker.config.applying(change) {
            throw .invalidConfigChange(reason)
        }
        try appendProposals([Entry(term: term, index: 0, kind: .configChange, data: change.encoded())])
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
