/// The tail of the log the host has not yet confirmed as persisted, and a snapshot received from
/// the leader that has not yet been installed.
///
/// `entries[i]` has index `offset + i`. Everything below `offset` is in `RaftStorage` (or covered
/// by the snapshot).
struct UnstableLog {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: UInt64

    init(offset: UInt64) {
        self.offset = offset
    }

    /// The first index, known only when a snapshot is pending.
    var firstIndexIfKnown: UInt64? {
        snapshot.map { $0.metadata.index + 1 }
    }

    /// The last index, when there are unstable entries or a pending snapshot.
    var lastIndexIfKnown: UInt64? {
        if !entries.isEmpty { return offset + UInt64(entries.count) - 1 }
        return snapshot?.metadata.index
    }

    /// The term at `index`, when this part of the log knows it.
    func term(at index: UInt64) -> UInt64? {
        if index < offset {
            guard let snapshot, snapshot.metadata.index == index else { return nil }
            return snapshot.metadata.term
        }
        let position = index - offset
        guard position < UInt64(entries.count) else { return nil }
        return entries[Int(position)].term
    }

    /// The host persisted entries up to (`index`, `term`): they leave the unstable tail, unless the
    /// tail was rewritten in the meantime (then the term no longer matches and nothing leaves).
    mutating func stableTo(index: UInt64, term: UInt64) {
        guard let held = self.term(at: index), held == term, index >= offset else { return }
        let count = Int(index + 1 - offset)
        entries.removeFirst(count)
        offset = index + 1
    }

    /// The host installed the pending snapshot at `index`.
    mutating func stableSnapshotTo(index: UInt64) {
        if let snapshot, snapshot.metadata.index == index {
            self.snapshot = nil
        }
    }

    /// Replaces everything with a snapshot from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        entries.removeAll()
        self.snapshot = snapshot
    }

    /// Appends `newEntries`, replacing any unstable entries at or after their first index.
    /// The caller has already decided that the replaced entries must go.
    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let first = newEntries.first?.index else { return }
        let end = offset + UInt64(entries.count)
        if first == end {
            entries.append(contentsOf: newEntries)
        } else if first <= offset {
            // The whole unstable tail is replaced; entries from `first` on must be rewritten to storage.
            offset = first
            entries = newEntries
        } else {
            entries.removeSubrange(Int(first - offset)...)
            entries.append(contentsOf: newEntries)
        }
    }

    /// Unstable entries in `[low, high)`; the range must lie within the unstable tail.
    func slice(_ low: UInt64, _ high: UInt64) -> ArraySlice<Entry> {
        precondition(offset <= low && low <= high && high <= offset + UInt64(entries.count),
                     "unstable slice [\(low), \(high)) outside [\(offset), \(offset + UInt64(entries.count)))")
        return entries[Int(low - offset)..<Int(high - offset)]
    }
}
