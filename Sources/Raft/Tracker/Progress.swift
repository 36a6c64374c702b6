/// What the leader knows of one member's log, and how it is sending to it.
///
/// Invariant: `match < next`. `match` is the highest index known to be replicated there;
/// `next` is the next index to send.
struct Progress {
    enum State: Equatable {
        /// Sending one append per heartbeat interval to find where the logs agree.
        case probe
        /// Streaming appends optimistically within the in-flight window.
        case replicate
        /// A snapshot at `pendingSnapshot` is on its way; nothing else is sent.
        case snapshot
    }

    var match: UInt64 = 0
    var next: UInt64
    private(set) var state: State = .probe
    private(set) var pendingSnapshot: UInt64 = 0
    /// Heard from since the last CheckQuorum round.
    var recentActive = false
    /// In probe state, an append is out and unanswered.
    var probeSent = false
    /// The highest commit index sent to the member (in an append or a heartbeat).
    var commitSent: UInt64 = 0
    var inflights: Inflights
    var isLearner: Bool

    init(next: UInt64, inflightCapacity: Int, isLearner: Bool) {
        self.next = next
        inflights = Inflights(capacity: inflightCapacity)
        self.isLearner = isLearner
    }

    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    private mutating func reset(to state: State) {
        probeSent = false
        pendingSnapshot = 0
        self.state = state
        inflights.reset()
    }

    mutating func becomeProbe() {
        // After a snapshot, probing starts after it: the follower either installed it or will say where it is.
        let afterSnapshot = state == .snapshot ? pendingSnapshot + 1 : 0
        reset(to: .probe)
        next = max(match + 1, afterSnapshot)
    }

    mutating func becomeReplicate() {
        reset(to: .replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(_ index: UInt64) {
        reset(to: .snapshot)
        pendingSnapshot = index
    }

    /// The member acknowledged holding up to `index`. Returns whether `match` moved.
    mutating func maybeUpdate(_ index: UInt64) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// An append was sent whose last entry is `lastIndex` (`nil` for an empty one). In replicate
    /// state the leader assumes it will arrive and goes on from there; in probe state it waits.
    mutating func recordSent(lastIndex: UInt64?) {
        switch state {
        case .replicate:
            if let lastIndex {
                next = lastIndex + 1
                inflights.add(lastIndex)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("append sent while a snapshot is pending")
        }
    }

    /// The host finished sending the pending snapshot (or gave up). Either way probing resumes,
    /// after the next heartbeat answer: from after the snapshot if it went out, from `match` if not.
    mutating func snapshotFinished(success: Bool) {
        guard state == .snapshot else { return }
        if !success { pendingSnapshot = 0 }
        becomeProbe()
        probeSent = true
    }

    /// The member rejected an append after `rejected`; `hint` is the highest index where the
    /// logs may agree. Returns false for a stale rejection that says nothing new.
    mutating func maybeDecrease(rejected: UInt64, hint: UInt64) -> Bool {
        if state == .replicate {
            // Appends at or below match were accepted already: this rejection is old news.
            if rejected <= match { return false }
            next = match + 1
            return true
        }
        // In probe, only the answer to the probe in flight counts.
        if next - 1 != rejected { return false }
        next = max(min(rejected, hint + 1), match + 1)
        probeSent = false
        return true
    }
}
