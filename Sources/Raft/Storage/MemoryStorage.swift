/// A `RaftStorage` held in memory: for tests, the simulator and benchmarks, and as the reference
/// behaviour a disk-backed storage must match.
///
/// `entries[0]` is a placeholder standing for the snapshot: its index and term are the
/// snapshot's, so `term(at: snapshot.index)` is always answered.
public final class MemoryStorage: RaftStorage {
    public private(set) var hardState = HardState()
    private var snapshotValue = Snapshot()
    private var entries: [Entry] = [Entry(term: 0, index: 0)]

    public init() {}

    /// A storage holding only `confState` as its configuration, as a new group starts.
    public convenience init(confState: ConfState) {
        self.init()
        snapshotValue.metadata.confState = confState
    }

    public func initialState() throws -> (HardState, ConfState) {
        (hardState, snapshotValue.metadata.confState)
    }

    public func entries(from low: UInt64, to high: UInt64, maxBytes: Int) throws -> [Entry] {
        let offset = entries[0].index
        if low <= offset { throw RaftStorageError.compacted }
        precondition(high <= last + 1, "entries(\(low), \(high)) beyond last index \(last)")
        if low >= high { return [] }
        let slice = entries[Int(low - offset)..<Int(high - offset)]
        return Array(limitedBySize(slice, maxBytes: maxBytes))
    }

    public func term(at index: UInt64) throws -> UInt64 {
        let offset = entries[0].index
        if index < offset { throw RaftStorageError.compacted }
        if Int(index - offset) >= entries.count { throw RaftStorageError.unavailable }
        return entries[Int(index - offset)].term
    }

    public func firstIndex() throws -> UInt64 { entries[0].index + 1 }

    public func lastIndex() throws -> UInt64 { last }

    private var last: UInt64 { entries[0].index + UInt64(entries.count) - 1 }

    public func snapshot() throws -> Snapshot { snapshotValue }

    // MARK: Writes, as the host performs them from a `Ready`.

    public func setHardState(_ state: HardState) {
        hardState = state
    }

    /// Appends `newEntries`, first dropping any held entries at or after the first new index.
    public func append(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        let offset = entries[0].index
        precondition(first.index <= last + 1, "gap: appending \(first.index) after \(last)")
        if first.index <= offset {
            // Entries the snapshot already covers are skipped.
            let skip = Int(offset + 1 - first.index)
            if skip >= newEntries.count { return }
            entries.removeSubrange(1...)
            entries.append(contentsOf: newEntries[skip...])
            return
        }
        entries.removeSubrange(Int(first.index - offset)...)
        entries.append(contentsOf: newEntries)
    }

    /// Replaces everything with `snapshot` (a snapshot received from the leader).
    public func applySnapshot(_ snapshot: Snapshot) throws {
        guard snapshot.metadata.index > snapshotValue.metadata.index else { throw RaftStorageError.snapshotOutOfDate }
        snapshotValue = snapshot
        entries = [Entry(term: snapshot.metadata.term, index: snapshot.metadata.index)]
    }

    /// Records a snapshot the application made at `index` (which must be held) and returns it.
    @discardableResult
    public func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws -> Snapshot {
        guard index > snapshotValue.metadata.index else { throw RaftStorageError.snapshotOutOfDate }
        precondition(index <= last, "snapshot at \(index) beyond last index")
        let term = try term(at: index)
        snapshotValue = Snapshot(metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
        return snapshotValue
    }

    /// Drops entries before `index`; `index` becomes the placeholder.
    public func compact(upTo index: UInt64) throws {
        let offset = entries[0].index
        if index <= offset { throw RaftStorageError.compacted }
        precondition(index <= last, "compact(\(index)) beyond last index")
        let placeholder = Entry(term: entries[Int(index - offset)].term, index: index)
        entries.removeSubrange(0...Int(index - offset))
        entries.insert(placeholder, at: 0)
    }
}

/// The longest prefix of `entries` within `maxBytes`, but never fewer than one entry.
@inlinable
func limitedBySize<C: RandomAccessCollection>(_ entries: C, maxBytes: Int) -> C.SubSequence where C.Element == Entry {
    var size = 0
    var end = entries.startIndex
    while end != entries.endIndex {
        size += entries[end].sizeInBytes
        if size > maxBytes && end != entries.startIndex { break }
        end = entries.index(after: end)
    }
    return entries[entries.startIndex..<end]
}
