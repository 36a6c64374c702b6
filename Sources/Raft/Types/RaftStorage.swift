/// What the core reads of the durable log. The host writes to it (entries, hard state,
/// snapshots) as `Ready` tells it to; the core only reads.
///
/// Indices follow etcd's raft: after a snapshot at index `s`, `firstIndex()` is `s + 1` and
/// `term(s)` is still answered (it is the snapshot's term), so that an append right after the
/// snapshot can be checked.
public protocol RaftStorage: AnyObject {
    /// The persisted hard state and the configuration of the latest snapshot (or the initial one).
    func initialState() throws -> (HardState, ConfState)

    /// Entries in `[low, high)`, at least one when the range is not empty, and then no more than
    /// fit in `maxBytes` (by `Entry.sizeInBytes`).
    /// Throws `RaftStorageError.compacted` when `low` is below `firstIndex()`.
    func entries(from low: UInt64, to high: UInt64, maxBytes: Int) throws -> [Entry]

    /// The term of the entry at `index`, for `firstIndex() - 1 ... lastIndex()`.
    /// Throws `.compacted` below that range and `.unavailable` above it.
    func term(at index: UInt64) throws -> UInt64

    /// The index of the first entry still held (snapshot index + 1).
    func firstIndex() throws -> UInt64

    /// The index of the last entry held (the snapshot index when none follow it).
    func lastIndex() throws -> UInt64

    /// The latest snapshot. `.snapshotTemporarilyUnavailable` when it is being made; the core
    /// tries again later.
    func snapshot() throws -> Snapshot
}

/// The expected failures of a `RaftStorage`. Any other error thrown is a broken disk, and the
/// core stops the process rather than guess.
public enum RaftStorageError: Error, Equatable, Sendable {
    case compacted
    case unavailable
    case snapshotTemporarilyUnavailable
    case snapshotOutOfDate
}
