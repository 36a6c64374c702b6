extension Raft {
    // MARK: Appending on the leader

    /// Appends entries of the current term after the last index. The leader's own progress moves
    /// only when the host reports them persisted (`acknowledgePersisted`).
    mutating func appendEntries(_ entries: [Entry]) {
        precondition(role == .leader, "only a leader appends its own entries")
        var entries = entries
        var index = log.lastIndex
        for i in entries.indices {
            index += 1
            entries[i].term = term
            entries[i].index = index
        }
        log.append(entries)
        uncommittedBytes += entries.sizeInBytes
        configLog.appended(entries)
    }

    /// Proposals: appended and sent on the leader, forwarded by a follower that knows one.
    mutating func propose(_ entries: [Entry]) throws(ProposalError) {
        switch role {
        case .leader:
            try appendProposals(entries)
        case .follower:
            guard leader != noNode else { throw .noLeader }
            send(to: leader, .propose(entries))
        case .candidate, .preCandidate:
            throw .noLeader
        }
    }

    /// Proposals on the leader: checked, appended and sent.
    mutating func appendProposals(_ entries: [Entry]) throws(ProposalError) {
        precondition(role == .leader)
        if leadTransferee != noNode { throw .leaderTransferInProgress }
        let bytes = entries.sizeInBytes
        // One proposal larger than the limit still goes through when nothing else is waiting.
        if uncommittedBytes > 0 && uncommittedBytes + bytes > configuration.maxUncommittedBytes {
            throw .tooManyUncommittedEntries
        }
        // etcd's pendingConfIndex rule: one change at a time, and none before this leader has
        // committed an entry of its term (so every change of earlier terms in its log is committed).
        var pendingChange = configLog.hasUncommittedChange
        for entry in entries where entry.kind == .configChange {
            if pendingChange || !hasCommittedInCurrentTerm { throw .configChangeInProgress }
            pendingChange = true
        }
        appendEntries(entries)
        broadcastAppend()
    }

    /// A forwarded configuration change the leader would refuse becomes an empty entry, so the
    /// rest of the batch still goes through (as etcd's raft does).
    func sanitizedForwardedEntry(_ entry: Entry) -> Entry {
        guard entry.kind == .configChange else { return entry }
        let acceptable = !configLog.hasUncommittedChange && hasCommittedInCurrentTerm
            && ConfChange(encoded: entry.data).map { if case .success = tracker.config.applying($0) { true } else { false } } == true
        return acceptable ? entry : Entry(term: entry.term, index: entry.index)
    }

    // MARK: Sending to followers

    mutating func broadcastAppend() {
        for member in tracker.config.members where member != id {
            sendAppend(to: member)
        }
    }

    mutating func broadcastHeartbeat(readRound: UInt64) {
        for member in tracker.config.members where member != id {
            guard let progress = tracker[member] else { continue }
            // Never tell a follower to commit beyond what it is known to hold.
            let commit = min(progress.match, log.committed)
            tracker[member]!.commitSent = max(progress.commitSent, commit)
            send(to: member, .heartbeat(Heartbeat(commit: commit, readRound: readRound)))
        }
    }

    /// Sends the follower what it lacks, within the in-flight window and the message size limit,
    /// or a snapshot when its next entry is compacted away. Returns whether a message was sent.
    @discardableResult
    mutating func sendAppend(to member: NodeID, sendIfEmpty: Bool = true) -> Bool {
        guard let progress = tracker[member], !progress.isPaused else { return false }
        let prevIndex = progress.next - 1
        guard let prevTerm = log.term(at: prevIndex),
              let entries = log.entries(from: progress.next, maxBytes: configuration.maxMessageBytes)
        else {
            return sendSnapshot(to: member)
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        tracker[member]!.recordSent(lastIndex: entries.last?.index)
        tracker[member]!.commitSent = max(progress.commitSent, log.committed)
        send(to: member, .append(Append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: log.committed)))
        return true
    }

    private mutating func sendSnapshot(to member: NodeID) -> Bool {
        // A member not heard from lately may be down: a snapshot to it would be wasted.
        guard tracker[member]?.recentActive == true else { return false }
        let snapshot: Snapshot
        do {
            snapshot = try log.storage.snapshot()
        } catch RaftStorageError.snapshotTemporarilyUnavailable {
            return false
        } catch {
            fatalError("raft storage failed reading its snapshot: \(error)")
        }
        precondition(!snapshot.isEmpty, "log compacted but storage has no snapshot")
        tracker[member]!.becomeSnapshot(snapshot.metadata.index)
        send(to: member, .snapshot(snapshot))
        return true
    }

    mutating func sendTimeoutNow(to member: NodeID) {
        send(to: member, .timeoutNow)
    }

    // MARK: Answers from followers

    mutating func handleAppendResponse(from member: NodeID, _ response: AppendResponse) {
        tracker[member]!.recentActive = true
        if response.reject {
            var hint = response.hintIndex
            if response.hintTerm > 0 {
                hint = log.lastIndexWithTerm(atMost: response.hintTerm, from: response.hintIndex).index
            }
            if tracker[member]!.maybeDecrease(rejected: response.index, hint: hint) {
                if tracker[member]!.state == .replicate { tracker[member]!.becomeProbe() }
                sendAppend(to: member)
            }
            return
        }
        let wasPaused = tracker[member]!.isPaused
        guard tracker[member]!.maybeUpdate(response.index) else { return }
        switch tracker[member]!.state {
        case .probe:
            tracker[member]!.becomeReplicate()
        case .snapshot:
            if tracker[member]!.match + 1 >= log.firstIndex {
                tracker[member]!.becomeProbe()
                tracker[member]!.becomeReplicate()
            }
        case .replicate:
            tracker[member]!.inflights.freeLE(response.index)
        }
        if maybeCommit() {
            announceCommit()
            stepDownIfRemoved()
            guard role == .leader else { return }
        } else if wasPaused {
            sendAppend(to: member)
        }
        // Fill the window while there is more to send.
        while tracker[member] != nil && sendAppend(to: member, sendIfEmpty: false) {}
        if member == leadTransferee && tracker[member]?.match == log.lastIndex {
            sendTimeoutNow(to: member)
        }
    }

    mutating func handleHeartbeatResponse(from member: NodeID, _ response: HeartbeatResponse) {
        tracker[member]!.recentActive = true
        tracker[member]!.probeSent = false
        // A full window with the follower alive means appends were lost: free a slot, so that the
        // next append goes out and its rejection (or acceptance) restarts the flow.
        if tracker[member]!.state == .replicate && tracker[member]!.inflights.isFull {
            tracker[member]!.inflights.freeFirst()
        }
        if tracker[member]!.match < log.lastIndex {
            sendAppend(to: member)
        }
        if response.readRound != 0 {
            completeReads(reads.acknowledge(round: response.readRound, from: member, config: tracker.config))
        }
    }

    /// Commits what a quorum of the configuration in force holds, when it is of the current term.
    /// A configuration entry committed this way takes effect, and its quorum may commit further
    /// (a removed member no longer holds it back). Returns whether commit moved.
    mutating func maybeCommit() -> Bool {
        let wasCommittedInTerm = hasCommittedInCurrentTerm
        var moved = false
        while log.maybeCommit(tracker.committedIndex(), term: term) {
            moved = true
            guard configLog.committed(upTo: log.committed) else { break }
            configurationChanged()
        }
        if moved && !wasCommittedInTerm {
            reads.releaseWaitingForCommit()
        }
        return moved
    }

    /// The host persisted entries up to `stableIndex`: the leader now counts itself for them.
    mutating func leaderPersisted() {
        guard role == .leader, tracker[id]?.maybeUpdate(log.stableLastIndex) == true else { return }
        if maybeCommit() {
            announceCommit()
            stepDownIfRemoved()
        }
    }

    /// The commit index moved: followers learn it from their next append. Without
    /// `deferCommitNotices` everyone gets one now; with it, only followers with entries to
    /// receive do, and the others wait for `sendCommitNotices`.
    mutating func announceCommit() {
        guard configuration.deferCommitNotices else {
            broadcastAppend()
            return
        }
        for member in tracker.config.members where member != id {
            if !sendAppend(to: member, sendIfEmpty: false) && lacksCommitIndex(member) {
                commitNoticeOwed = true
            }
        }
    }

    /// Sends the commit notices `announceCommit` held back: an append (empty when there is
    /// nothing new) to every follower that has not been sent the current commit index.
    mutating func sendCommitNotices() {
        guard commitNoticeOwed else { return }
        commitNoticeOwed = false
        guard role == .leader else { return }
        for member in tracker.config.members where member != id && lacksCommitIndex(member) {
            sendAppend(to: member)
        }
    }

    /// Whether `member` has not been sent the current commit index.
    private func lacksCommitIndex(_ member: NodeID) -> Bool {
        (tracker[member]?.commitSent ?? 0) < log.committed
    }

    // MARK: Follower side

    mutating func handleAppend(from leader: NodeID, _ append: Append) {
        if append.prevIndex < log.committed {
            send(to: leader, .appendResponse(AppendResponse(index: log.committed)))
            return
        }
        guard let (lastNewIndex, rewrittenFrom) = log.maybeAppend(prevIndex: append.prevIndex, prevTerm: append.prevTerm, entries: append.entries) else {
            let from = min(append.prevIndex, log.lastIndex)
            let hint = log.lastIndexWithTerm(atMost: append.prevTerm, from: from)
            send(to: leader, .appendResponse(AppendResponse(index: append.prevIndex, reject: true, hintIndex: hint.index, hintTerm: hint.term)))
            return
        }
        if let rewrittenFrom {
            configLog.truncated(from: rewrittenFrom)
            configLog.appended(append.entries.lazy.filter { $0.index >= rewrittenFrom })
        }
        commitAsFollower(min(append.commit, lastNewIndex))
        send(to: leader, .appendResponse(AppendResponse(index: lastNewIndex)))
    }

    mutating func handleHeartbeat(from leader: NodeID, _ heartbeat: Heartbeat) {
        commitAsFollower(min(heartbeat.commit, log.lastIndex))
        send(to: leader, .heartbeatResponse(HeartbeatResponse(readRound: heartbeat.readRound)))
    }

    /// The leader says entries up to `index` are committed: configuration entries among them
    /// take effect here now.
    private mutating func commitAsFollower(_ index: UInt64) {
        log.commitTo(index)
        if configLog.committed(upTo: log.committed) {
            configurationChanged()
        }
    }

    mutating func handleSnapshot(from leader: NodeID, _ snapshot: Snapshot) {
        if restore(snapshot) {
            send(to: leader, .appendResponse(AppendResponse(index: log.lastIndex)))
        } else {
            send(to: leader, .appendResponse(AppendResponse(index: log.committed)))
        }
    }

    /// Installs a snapshot from the leader unless we already hold what it covers. Returns whether
    /// the log was replaced.
    private mutating func restore(_ snapshot: Snapshot) -> Bool {
        let metadata = snapshot.metadata
        guard metadata.index > log.committed else { return false }
        if log.matchTerm(metadata.index, metadata.term) {
            // We hold the entry the snapshot ends with: the logs agree up to it, so just commit.
            commitAsFollower(metadata.index)
            return false
        }
        log.restore(snapshot)
        configLog.restore(metadata)
        configurationChanged()
        return true
    }
}
