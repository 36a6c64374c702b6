@testable import Raft

/// The safety properties of Raft (paper §5.2–5.4, Figure 3), checked as the simulation runs.
/// Each check returns a description of the violation, or nil.
struct SafetyChecker {
    /// Election safety: the one leader of each term.
    private var leaders: [UInt64: NodeID] = [:]
    /// State-machine safety: the entry applied at each index, by whoever applied it first.
    private(set) var applied: [Entry] = [Entry(term: 0, index: 0)]
    /// Log matching: per (index, term), the entry's content and the term before it. Two entries with
    /// the same index and term must agree on both, so by induction the logs agree up to them.
    private var written: [IndexTerm: (kind: Entry.Kind, data: [UInt8], previousTerm: UInt64?)] = [:]

    struct IndexTerm: Hashable {
        var index: UInt64
        var term: UInt64
    }

    mutating func checkLeader(_ member: SimulatedMember) -> String? {
        guard let node = member.node, node.raft.role == .leader else { return nil }
        let term = node.raft.term
        if let existing = leaders[term], existing != member.id {
            return "election safety: members \(existing) and \(member.id) are both leaders of term \(term)"
        }
        leaders[term] = member.id
        guard member.wasLeaderInTerm != term else { return nil }
        member.wasLeaderInTerm = term
        let raft = node.raft
        // Leader completeness: a new leader holds every entry anyone has applied.
        let firstHeld = raft.log.firstIndex
        for entry in applied.dropFirst() where entry.index >= firstHeld {
            guard let term = raft.log.term(at: entry.index) else {
                return "leader completeness: leader \(member.id) of term \(raft.term) lacks applied entry \(entry.index) (its last index is \(raft.log.lastIndex))"
            }
            if term != entry.term {
                return "leader completeness: leader \(member.id) of term \(raft.term) has term \(term) at \(entry.index), applied entry has term \(entry.term)"
            }
        }
        return nil
    }

    /// Commit and applied indices never go backwards while a member is up, nor the persisted
    /// commit; the configuration in force is the committed one.
    mutating func checkProgress(_ member: SimulatedMember) -> String? {
        guard let node = member.node else { return nil }
        let committed = node.raft.log.committed
        if committed < member.lastCommitted {
            return "member \(member.id): commit index went back from \(member.lastCommitted) to \(committed)"
        }
        member.lastCommitted = committed
        if member.state.applied < member.lastApplied {
            return "member \(member.id): applied index went back from \(member.lastApplied) to \(member.state.applied)"
        }
        member.lastApplied = member.state.applied
        if committed < member.state.applied {
            return "member \(member.id): applied \(member.state.applied) beyond commit \(committed)"
        }
        let persistedCommit = member.storage.hardState.commit
        if persistedCommit < member.lastPersistedCommit {
            return "member \(member.id): persisted commit went back from \(member.lastPersistedCommit) to \(persistedCommit)"
        }
        member.lastPersistedCommit = persistedCommit
        // A configuration is in force once its entry is committed: with everything committed
        // applied, the core's configuration is the one the applied entries define.
        if member.state.applied == committed && node.raft.tracker.config != member.state.confState {
            return "member \(member.id): configuration in force \(node.raft.tracker.config) at commit \(committed), applied entries define \(member.state.confState)"
        }
        return nil
    }

    mutating func recordApplied(_ entry: Entry, by member: NodeID) -> String? {
        let index = Int(entry.index)
        if index < applied.count {
            let first = applied[index]
            if first.term != entry.term || first.kind != entry.kind || first.data != entry.data {
                return "state-machine safety: member \(member) applied \(describe(entry)) at \(index), another applied \(describe(first))"
            }
            return nil
        }
        precondition(index == applied.count, "applied entries arrive in order")
        applied.append(entry)
        return nil
    }

    mutating func recordWritten(_ entries: [Entry], by member: SimulatedMember) -> String? {
        for entry in entries {
            let previousTerm = try? member.storage.term(at: entry.index - 1)
            let key = IndexTerm(index: entry.index, term: entry.term)
            if let seen = written[key] {
                if seen.kind != entry.kind || seen.data != entry.data {
                    return "log matching: member \(member.id) wrote \(describe(entry)), another member wrote different content at \(entry.index) term \(entry.term)"
                }
                if let previousTerm, let seenPrevious = seen.previousTerm, previousTerm != seenPrevious {
                    return "log matching: entry \(entry.index) term \(entry.term) follows term \(previousTerm) on member \(member.id) but \(seenPrevious) elsewhere"
                }
            } else {
                written[key] = (entry.kind, entry.data, previousTerm)
            }
        }
        return nil
    }
}

func describe(_ entry: Entry) -> String {
    switch entry.kind {
    case .configChange:
        if let change = ConfChange(encoded: entry.data) { return "\(entry.index)/\(entry.term) conf \(change.operation) \(change.nodeID)" }
        return "\(entry.index)/\(entry.term) conf ?"
    case .normal:
        if let command = KVCommand(encoded: entry.data) { return "\(entry.index)/\(entry.term) put k\(command.key)=\(command.value) (c\(command.client) op\(command.operation))" }
        return "\(entry.index)/\(entry.term) \(entry.data.isEmpty ? "no-op" : "\(entry.data.count) bytes")"
    }
}

func describe(_ message: Message) -> String {
    let payload: String
    switch message.payload {
    case .append(let a): payload = "append prev \(a.prevIndex)/\(a.prevTerm) [\(a.entries.map { "\($0.index)/\($0.term)" }.joined(separator: " "))] commit \(a.commit)"
    case .appendResponse(let r): payload = r.reject ? "append-reject \(r.index) hint \(r.hintIndex)/\(r.hintTerm)" : "append-ok \(r.index)"
    case .heartbeat(let h): payload = "heartbeat commit \(h.commit) round \(h.readRound)"
    case .heartbeatResponse(let r): payload = "heartbeat-ok round \(r.readRound)"
    case .vote(let v): payload = "\(v.preVote ? "pre-vote" : "vote") last \(v.lastIndex)/\(v.lastTerm)\(v.transfer ? " transfer" : "")"
    case .voteResponse(let r): payload = "\(r.preVote ? "pre-vote" : "vote") \(r.granted ? "granted" : "rejected")"
    case .snapshot(let s): payload = "snapshot \(s.metadata.index)/\(s.metadata.term) voters \(s.metadata.confState.voters)"
    case .timeoutNow: payload = "timeout-now"
    case .propose(let entries): payload = "propose \(entries.count)"
    case .readIndex: payload = "read-index"
    case .readIndexResponse(let r): payload = "read-index-ok \(r.index)"
    }
    return "\(message.from)->\(message.to) t\(message.term) \(payload)"
}
