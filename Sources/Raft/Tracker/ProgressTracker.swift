/// The configuration in force, the leader's view of every member's log, and the votes of the
/// election in progress.
struct ProgressTracker {
    private(set) var config: ConfState
    private(set) var progress: [NodeID: Progress] = [:]
    private var votes: [NodeID: Bool] = [:]
    let inflightCapacity: Int

    init(config: ConfState, inflightCapacity: Int) {
        self.config = config
        self.inflightCapacity = inflightCapacity
    }

    /// Installs `config`, keeping the progress of members that stay and starting new ones at
    /// `nextIndex` in probe state.
    mutating func apply(_ config: ConfState, nextIndex: UInt64) {
        self.config = config
        var updated: [NodeID: Progress] = [:]
        for id in config.members {
            var member = progress[id] ?? Progress(next: nextIndex, inflightCapacity: inflightCapacity, isLearner: false)
            member.isLearner = config.isLearner(id)
            updated[id] = member
        }
        progress = updated
        votes = votes.filter { config.isVoter($0.key) }
    }

    /// Resets every member's progress, as a new term starts.
    mutating func resetProgress(nextIndex: UInt64, selfID: NodeID, selfMatch: UInt64) {
        for id in config.members {
            var member = Progress(next: nextIndex, inflightCapacity: inflightCapacity, isLearner: config.isLearner(id))
            if id == selfID {
                member.match = selfMatch
                member.recentActive = true
            }
            progress[id] = member
        }
    }

    subscript(id: NodeID) -> Progress? {
        get { progress[id] }
        _modify { yield &progress[id] }
    }

    // MARK: Commit

    /// The highest index held by a quorum of voters: sort the voters' matches descending and take
    /// the quorum-th one.
    func committedIndex() -> UInt64 {
        let voters = config.voters
        guard !voters.isEmpty else { return 0 }
        var matches = voters.map { progress[$0]?.match ?? 0 }
        matches.sort(by: >)
        return matches[config.quorum - 1]
    }

    // MARK: Elections

    enum VoteResult { case pending, won, lost }

    mutating func resetVotes() {
        votes.removeAll(keepingCapacity: true)
    }

    /// Records `id`'s vote (the first one counts) and returns the election's state.
    mutating func recordVote(from id: NodeID, granted: Bool) -> VoteResult {
        guard config.isVoter(id) else { return voteResult() }
        if votes[id] == nil { votes[id] = granted }
        return voteResult()
    }

    func voteResult() -> VoteResult {
        var granted = 0
        var rejected = 0
        for id in config.voters {
            switch votes[id] {
            case true?: granted += 1
            case false?: rejected += 1
            case nil: break
            }
        }
        if granted >= config.quorum { return .won }
        if rejected > config.voters.count - config.quorum { return .lost }
        return .pending
    }

    // MARK: CheckQuorum

    /// Whether a quorum of voters was heard from since the last check; resets the marks.
    mutating func quorumActiveAndReset(selfID: NodeID) -> Bool {
        var active = 0
        for id in config.voters where id == selfID || progress[id]?.recentActive == true {
            active += 1
        }
        for id in config.members where id != selfID {
            progress[id]?.recentActive = false
        }
        return active >= config.quorum
    }
}
