import Raft

/// What the run loop tells the operator: events worth a log line. The loop keeps running after
/// each of them.
public enum NodeReport: Sendable {
    /// A snapshot file was made and recorded; the log was compacted up to `compactedTo`.
    case snapshotCreated(index: UInt64, compactedTo: UInt64?)
    /// Making a snapshot failed; the next attempt comes after another `snapshotCount` entries.
    case snapshotFailed(index: UInt64, error: String)
    /// The state was replaced by a snapshot (received from the leader, or, at start, one a crash
    /// interrupted the installation of).
    case snapshotInstalled(index: UInt64, term: UInt64)
    /// The voting members changed (a member added, promoted or removed, or a configuration
    /// learned from the log or a snapshot): `voters` vote now.
    case votersChanged(voters: Int)
    /// A log save or a state transaction took longer than its threshold (at most one report
    /// per phase per `NodeConfiguration.slowWarningInterval`).
    case slow(SlowOperation)
    /// The state file was rewritten as a compacted copy: its size before and after, and how long
    /// applies (and, for the swap at its end, reads) waited.
    case defragmented(bytesBefore: Int, bytesAfter: Int, took: Duration)
    /// A defragment failed before it replaced the file (a full disk): the old file is in use.
    case defragmentFailed(error: String)
}
