/// The log as the core sees it: what storage holds, followed by the unstable tail.
///
/// Invariants: `applied <= committed <= lastIndex`, and `committed` never goes backwards.
struct RaftLog {
    let storage: any RaftStorage
    var unstable: UnstableLog
    private(set) var committed: UInt64
    /// The highest index handed to the application to apply (it applies in order).
    private(set) var applied: UInt64

    init(storage: any RaftStorage) {
        self.storage = storage
        let first = Self.unwrap { try storage.firstIndex() }
        let last = Self.unwrap { try storage.lastIndex() }
        unstable = UnstableLog(offset: last + 1)
        committed = first - 1
        applied = first - 1
    }

    /// Storage failures other than the expected ones mean a broken disk: stop rather than guess.
    static func unwrap<T>(_ read: () throws -> T) -> T {
        do { return try read() } catch { fatalError("raft storage failed: \(error)") }
    }

    var firstIndex: UInt64 {
        unstable.firstIndexIfKnown ?? Self.unwrap { try storage.firstIndex() }
    }

    var lastIndex: UInt64 {
        unstable.lastIndexIfKnown ?? Self.unwrap { try storage.lastIndex() }
    }

    /// The last index the host has confirmed as persisted.
    var stableLastIndex: UInt64 {
        unstable.snapshot == nil ? unstable.offset - 1 : 0
    }

    var lastTerm: UInt64 {
        guard let term = term(at: lastIndex) else { fatalError("no term for last index \(lastIndex)") }
        return term
    }

    /// The term of the entry at `index`, or `nil` when it is compacted away or not held.
    func term(at index: UInt64) -> UInt64? {
        let placeholder = firstIndex - 1
        guard index >= placeholder, index <= lastIndex else { return nil }
        if let term = unstable.term(at: index) { return term }
        do {
            return try storage.term(at: index)
        } catch RaftStorageError.compacted, RaftStorageError.unavailable {
            return nil
        } catch {
            fatalError("raft storage failed reading term(\(index)): \(error)")
        }
    }

    func matchTerm(_ index: UInt64, _ term: UInt64) -> Bool {
        self.term(at: index) == term
    }

    /// Raft paper §5.4.1: a log is at least as up-to-date as ours when its last term is greater,
    /// or equal with a last index at least ours.
    func isUpToDate(lastIndex candidateIndex: UInt64, lastTerm candidateTerm: UInt64) -> Bool {
        let ourTerm = lastTerm
        return candidateTerm > ourTerm || (candidateTerm == ourTerm && candidateIndex >= lastIndex)
    }

    /// The first index among `entries` whose term differs from ours (or that we do not hold),
    /// or `nil` when we hold all of them.
    func firstConflict(in entries: [Entry]) -> UInt64? {
        for entry in entries where !matchTerm(entry.index, entry.term) {
            return entry.index
        }
        return nil
    }

    /// The largest index at or below `index` whose term is at most `term`, with that term
    /// (0 when the term is not known there). Lets a rejected append skip a whole term.
    func lastIndexWithTerm(atMost term: UInt64, from index: UInt64) -> (index: UInt64, term: UInt64) {
        var probe = index
        while true {
            guard let found = self.term(at: probe) else { return (probe, 0) }
            if found <= term || probe == 0 { return (probe, found) }
            probe -= 1
        }
    }

    /// Appends entries sent by a leader after (`prevIndex`, `prevTerm`), when that entry matches.
    /// Returns the index of the last new entry and where the log was rewritten (if it was).
    mutating func maybeAppend(prevIndex: UInt64, prevTerm: UInt64, entries: [Entry]) -> (lastNewIndex: UInt64, rewrittenFrom: UInt64?)? {
        guard matchTerm(prevIndex, prevTerm) else { return nil }
        let lastNewIndex = prevIndex + UInt64(entries.count)
        guard let conflict = firstConflict(in: entries) else { return (lastNewIndex, nil) }
        precondition(conflict > committed, "entry \(conflict) conflicts with committed entry (committed \(committed))")
        let start = Int(conflict - (prevIndex + 1))
        append(Array(entries[start...]))
        return (lastNewIndex, conflict)
    }

    /// Appends entries that directly follow what we hold or replace an uncommitted suffix.
    @discardableResult
    mutating func append(_ entries: [Entry]) -> UInt64 {
        guard let first = entries.first else { return lastIndex }
        precondition(first.index > committed, "append at \(first.index) would overwrite committed \(committed)")
        unstable.truncateAndAppend(entries)
        return lastIndex
    }

    mutating func commitTo(_ index: UInt64) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        committed = index
    }

    /// Advances `committed` to `index` when that entry is from `term`: a leader only counts
    /// replicas of its own term's entries (Raft paper §5.4.2, the Figure 8 case).
    mutating func maybeCommit(_ index: UInt64, term: UInt64) -> Bool {
        guard index > committed, self.term(at: index) == term else { return false }
        commitTo(index)
        return true
    }

    mutating func appliedTo(_ index: UInt64) {
        guard index > applied else { return }
        precondition(index >= applied && index <= committed, "applied \(index) outside [\(applied), \(committed)]")
        applied = index
    }

    /// Entries committed, persisted and not yet handed to the application, within `maxBytes`.
    /// Only persisted entries are handed out, so the application never gets ahead of the log on disk.
    func nextCommittedEntries(maxBytes: Int) -> [Entry] {
        guard unstable.snapshot == nil else { return [] }
        let low = max(applied + 1, firstIndex)
        let high = min(committed, stableLastIndex) + 1
        guard low < high else { return [] }
        return slice(low, high, maxBytes: maxBytes)
    }

    var hasNextCommittedEntries: Bool {
        guard unstable.snapshot == nil else { return false }
        return max(applied + 1, firstIndex) <= min(committed, stableLastIndex)
    }

    /// Entries in `[low, high)` within `maxBytes` (at least one). The caller has checked that
    /// `low` is not compacted (`term(at: low - 1)` is known).
    func slice(_ low: UInt64, _ high: UInt64, maxBytes: Int) -> [Entry] {
        precondition(low <= high && high <= lastIndex + 1, "slice [\(low), \(high)) beyond last \(lastIndex)")
        if low == high { return [] }
        var result: [Entry] = []
        if low < unstable.offset {
            let storedHigh = min(high, unstable.offset)
            result = Self.unwrap { try storage.entries(from: low, to: storedHigh, maxBytes: maxBytes) }
            if UInt64(result.count) < storedHigh - low { return result }
        }
        if high > unstable.offset {
            let tail = unstable.slice(max(low, unstable.offset), high)
            if result.isEmpty { return Array(limitedBySize(tail, maxBytes: maxBytes)) }
            var size = result.sizeInBytes
            for entry in tail {
                size += entry.sizeInBytes
                if size > maxBytes { break }
                result.append(entry)
            }
        }
        return result
    }

    /// Entries from `low` on within `maxBytes`, or `nil` when `low` is compacted away.
    func entries(from low: UInt64, maxBytes: Int) -> [Entry]? {
        guard low >= firstIndex else { return nil }
        if low > lastIndex { return [] }
        return slice(low, lastIndex + 1, maxBytes: maxBytes)
    }

    /// Replaces the log with a snapshot from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }

    mutating func stableTo(index: UInt64, term: UInt64) {
        unstable.stableTo(index: index, term: term)
    }

    mutating func stableSnapshotTo(index: UInt64) {
        unstable.stableSnapshotTo(index: index)
        if index > applied { applied = index }
    }
}
