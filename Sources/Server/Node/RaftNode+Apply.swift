import Raft
import Storage

extension RaftNode {
    /// Applies committed entries in one state transaction with the last one's index, so that
    /// every entry is applied exactly once across crashes. Entries the state environment already
    /// holds (after a restart) are skipped. If the batch fails as a whole, each entry is applied
    /// alone and an entry that still fails is recorded as applied with its error returned, so
    /// that the applied index moves on identically on every member.
    func apply(_ entries: [Entry]) {
        let fresh = entries.drop { $0.index <= appliedIndex }
        guard let last = fresh.last else { return }
        var completed: [(UInt64, Result<AppliedProposal, NodeError>)] = []
        do {
            completed = try store.apply(index: last.index, term: last.term) { batch in
                var results: [(UInt64, Result<AppliedProposal, NodeError>)] = []
                for entry in fresh {
                    if let outcome = try applyOne(entry, to: &batch) { results.append(outcome) }
                }
                return results
            }
        } catch {
            completed = []
            for entry in fresh {
                do {
                    let outcome = try store.apply(index: entry.index, term: entry.term) { batch in try applyOne(entry, to: &batch) }
                    if let outcome { completed.append(outcome) }
                } catch let failure {
                    // Recorded as applied, so the index moves on; the proposer hears why.
                    do {
                        try store.apply(index: entry.index, term: entry.term) { _ in }
                    } catch {
                        fatalError("state environment cannot record applied index \(entry.index): \(error)")
                    }
                    if let id = ProposalEnvelope.unwrap(entry.data)?.id, waitingProposals[id] != nil {
                        completed.append((id, .failure(.applyFailed(String(describing: failure)))))
                    }
                }
            }
        }
        appliedIndex = last.index
        for (id, result) in completed {
            waitingProposals.removeValue(forKey: id)?.completion(result)
        }
    }

    /// Applies one entry; returns the completion for a proposal waiting here.
    private func applyOne(_ entry: Entry, to batch: inout MVCCWriteBatch) throws -> (UInt64, Result<AppliedProposal, NodeError>)? {
        guard entry.kind == .normal, let (id, payload) = ProposalEnvelope.unwrap(entry.data) else { return nil }
        let result = try applier.apply(Array(payload), to: &batch)
        guard waitingProposals[id] != nil else { return nil }
        return (id, .success(AppliedProposal(index: entry.index, result: result)))
    }
}
