import Glibc
import Raft
import Storage

extension RaftNode {
    /// Applies committed entries in one state transaction with the last one's index, so that
    /// every entry is applied exactly once across crashes. Entries the state environment already
    /// holds (after a restart) are skipped.
    ///
    /// The applier answers a request's own failures in its result; anything it throws is a
    /// failure of the state environment itself (a broken disk, a full map). Skipping the entry
    /// would let this member's state diverge from the others', so the member stops instead, as
    /// etcd does; the space quota is checked before proposing so that a full map is not reached.
    func apply(_ entries: [Entry]) {
        let fresh = entries.drop { $0.index <= appliedIndex }
        guard let last = fresh.last else { return }
        let completed: [(UInt64, AppliedProposal)]
        let started = ContinuousClock.now
        do {
            completed = try store.apply(index: last.index, term: last.term) { batch in
                var results: [(UInt64, AppliedProposal)] = []
                for entry in fresh {
                    switch entry.kind {
                    case .normal:
                        guard let (id, payload) = ProposalEnvelope.unwrap(entry.data) else { continue }
                        let result = try applier.apply(Array(payload), to: &batch)
                        if waitingProposals[id] != nil {
                            results.append((id, AppliedProposal(index: entry.index, result: result)))
                        }
                    case .configChange:
                        guard let change = ConfChange(encoded: entry.data) else {
                            preconditionFailure("entry \(entry.index) is not a configuration change")
                        }
                        // Every change's context starts with its proposal ID (0 for the
                        // bootstrap's), then the caller's context.
                        let proposal = ProposalEnvelope.unwrap(change.context)
                        try applier.apply(change, context: proposal.map { Array($0.payload) } ?? [], to: &batch)
                        if let id = proposal?.id, waitingProposals[id] != nil {
                            results.append((id, AppliedProposal(index: entry.index, result: ())))
                        }
                    }
                }
                return results
            }
        } catch {
            fatalError("member \(configuration.memberID) cannot apply entries up to \(last.index): \(error)")
        }
        recordApply(startedAt: started, entries: fresh.count)
        appliedIndex = last.index
        for (id, proposal) in completed {
            waitingProposals.removeValue(forKey: id)?.completion(.success(proposal))
        }
        if !completed.isEmpty && configuration.yieldsToClientLoops { letAnswersLeave() }
    }

    /// Gives the processor to the client event loops the answers just woke. On a processor they
    /// share with this loop (a member pinned to one core, as benchmarks pin it), a woken loop
    /// otherwise waits for the rest of the turn, the commit index's log record and the
    /// bookkeeping, before it writes the responses: about a twentieth of one client's put.
    /// Only then (`NodeConfiguration.yieldsToClientLoops`): with processors to spare, the
    /// client loops run elsewhere and a yield would only hand the turn's rest to other work.
    func letAnswersLeave() {
        sched_yield()
    }
}
