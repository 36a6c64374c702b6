import Raft

extension ServerLog {
    /// One line for what the run loop reports.
    func log(_ report: NodeReport) {
        switch report {
        case let .snapshotCreated(index, compactedTo):
            info("snapshot at index \(index) saved" + (compactedTo.map { "; log compacted up to \($0)" } ?? ""))
        case let .snapshotFailed(index, error):
            warn("snapshot at index \(index) failed: \(error)")
        case let .snapshotInstalled(index, term):
            info("installed the snapshot at index \(index) (term \(term)): the state now is the leader's as of that index")
        case let .votersChanged(voters):
            let quorum = Quorum(voters: voters)
            info("the cluster has \(voters) voting member\(voters == 1 ? "" : "s") now: quorum \(quorum.size), \(quorum.tolerance) failure(s) tolerated")
            if let advice = quorum.evenSizeAdvice { warn(advice) }
        case let .slow(operation):
            warn(operation.message)
        case let .defragmented(before, after, took):
            info("defragmented the state file from \(before) to \(after) bytes in \(took)")
        case let .defragmentFailed(error):
            warn("defragment failed, the state file is unchanged: \(error)")
        }
    }
}
