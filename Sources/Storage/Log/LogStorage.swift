import Raft

/// The Raft log in its own, fully synchronous LMDB environment (`raft/` in a data directory).
///
/// Semantics are `MemoryStorage`'s (etcd's raft): after a snapshot or compaction at index `s`,
/// `firstIndex()` is `s + 1` and `term(at: s)` is still answered. Every write is one LMDB
/// transaction, durable when the call returns; a batch of appends, the truncation of a
/// conflicting suffix and the hard state go in the same transaction (`save`).
///
/// The first and last index, the hard state and the snapshot metadata are cached in memory:
/// they are read from disk at open in O(log n) (nothing is rebuilt) and updated only after a
/// commit succeeded. The class is not thread-safe: one Raft host thread owns it, as it owns
/// the core.
public final class LogStorage: RaftStorage {
    /// The environment's default map size: an upper bound on the file, not an allocation.
    public static let defaultMapSize = 64 << 30

    public let environment: Environment
    private let entriesDB: Database
    private let metaDB: Database

    public private(set) var hardState: HardState
    private var snapshotValue: Snapshot
    /// etcd's dummy entry: the last index dropped from the front of the log, and its term.
    private var compacted: (index: UInt64, term: UInt64)
    private var last: UInt64

    /// Opens the log environment in `path`, creating it when missing. A new log starts with
    /// `initialConfState` as its configuration (the members a new group starts with).
    public init(path: String, mapSize: Int = LogStorage.defaultMapSize, initialConfState: ConfState = ConfState()) throws {
        environment = try Environment(path: path, options: .init(
            mapSize: mapSize, durability: .full,
            databases: [LogRecords.entriesDatabase: [], LogRecords.metaDatabase: []]))
        entriesDB = environment.database(LogRecords.entriesDatabase)
        metaDB = environment.database(LogRecords.metaDatabase)

        let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
        let stored = try environment.read { txn in
            let hardState = try txn.get(metaDB, LogRecords.hardStateKey).map(LogRecords.decodeHardState)
            let snapshot = try txn.get(metaDB, LogRecords.snapshotKey).map(LogRecords.decodeSnapshot)
            let compacted = try txn.get(metaDB, LogRecords.compactedKey).map(LogRecords.decodePosition)
            let bounds = try txn.withCursor(entriesDB) { cursor in
                (first: try cursor.first().map { try LogRecords.decodeIndex(key: $0.key) },
                 last: try cursor.last().map { try LogRecords.decodeIndex(key: $0.key) })
            }
            return (hardState, snapshot, compacted, bounds)
        }
        hardState = stored.0 ?? HardState()
        compacted = stored.2 ?? (0, 0)
        last = stored.3.last ?? compacted.index
        if let snapshot = stored.1 {
            snapshotValue = snapshot
        } else {
            snapshotValue = Snapshot(metadata: SnapshotMetadata(confState: initialConfState))
            let record = LogRecords.encode(snapshotValue)
            try environment.write { txn in try txn.put(metaDB, LogRecords.snapshotKey, record) }
        }
        // The log on disk must be contiguous from the compaction point.
        if let first = stored.3.first, first != compacted.index + 1 {
            throw StorageError.corrupted("log starts at \(first) but was compacted up to \(compacted.index)")
        }
    }

    /// Closes the environment; the object must not be used afterwards.
    public func close() { environment.close() }

    // MARK: RaftStorage

    public func initialState() throws -> (HardState, ConfState) {
        (hardState, snapshotValue.metadata.confState)
    }

    public func entries(from low: UInt64, to high: UInt64, maxBytes: Int) throws -> [Entry] {
        if low <= compacted.index { throw RaftStorageError.compacted }
        precondition(high <= last + 1, "entries(\(low), \(high)) beyond last index \(last)")
        if low >= high { return [] }
        let entriesDB = self.entriesDB
        return try environment.read { txn in
            try txn.withCursor(entriesDB) { cursor in
                var result: [Entry] = []
                var size = 0
                var item = try cursor.seek(atLeast: low.bigEndianBytes)
                var expected = low
                while expected < high, let (key, value) = item {
                    let index = try LogRecords.decodeIndex(key: key)
                    guard index == expected else { throw StorageError.corrupted("log entry \(expected) missing (found \(index))") }
                    let entry = try LogRecords.decodeEntry(index: index, value: value)
                    size += entry.sizeInBytes
                    if size > maxBytes && !result.isEmpty { break }
                    result.append(entry)
                    expected += 1
                    item = try cursor.next()
                }
                guard !result.isEmpty else { throw StorageError.corrupted("log entry \(low) missing") }
                return result
            }
        }
    }

    public func term(at index: UInt64) throws -> UInt64 {
        if index < compacted.index { throw RaftStorageError.compacted }
        if index > last { throw RaftStorageError.unavailable }
        if index == compacted.index { return compacted.term }
        let entriesDB = self.entriesDB
        return try environment.read { txn in
            guard let value = try txn.get(entriesDB, index.bigEndianBytes) else {
                throw StorageError.corrupted("log entry \(index) missing")
            }
            return try LogRecords.decodeTerm(index: index, value: value)
        }
    }

    public func firstIndex() throws -> UInt64 { compacted.index + 1 }

    public func lastIndex() throws -> UInt64 { last }

    public func snapshot() throws -> Snapshot { snapshotValue }

    // MARK: Writes, as the host performs them from a `Ready`

    /// Appends `newEntries` (dropping held entries at or after the first new index) and stores
    /// `hardState`, in one durable transaction.
    public func save(entries newEntries: [Entry], hardState newHardState: HardState? = nil) throws {
        // Validate at the boundary: the batch is contiguous and follows the log without a gap.
        for (a, b) in zip(newEntries, newEntries.dropFirst()) {
            precondition(b.index == a.index + 1, "entries not contiguous: \(a.index) then \(b.index)")
        }
        var toAppend = newEntries[...]
        if let first = newEntries.first {
            precondition(first.index <= last + 1, "gap: appending \(first.index) after \(last)")
            // Entries the compacted prefix already covers are skipped.
            toAppend = newEntries.drop(while: { $0.index <= compacted.index })
        }
        if toAppend.isEmpty && newHardState == nil { return }

        let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
        let truncateFrom = toAppend.first.map(\.index)
        let lastHeld = last
        try environment.write { txn in
            if let newHardState {
                try txn.put(metaDB, LogRecords.hardStateKey, LogRecords.encode(newHardState))
            }
            guard let truncateFrom else { return }
            try txn.withCursor(entriesDB) { cursor in
                if truncateFrom <= lastHeld {
                    // A conflicting suffix: delete every entry from `truncateFrom` on.
                    var item = try cursor.seek(atLeast: truncateFrom.bigEndianBytes)
                    while item != nil {
                        try cursor.deleteCurrent()
                        item = try cursor.next()
                    }
                }
                for entry in toAppend {
                    // Encoded straight into the page LMDB reserves for it.
                    try withUnsafeBytes(of: entry.index.bigEndian) { key in
                        try cursor.put(key, reservingValueBytes: LogRecords.entryHeaderBytes + entry.data.count, flags: .append) { value in
                            LogRecords.encodeEntryValue(entry, into: value)
                        }
                    }
                }
            }
        }
        if let newHardState { hardState = newHardState }
        if let lastAppended = toAppend.last { last = lastAppended.index }
    }

    /// Appends `newEntries` alone (see `save`).
    public func append(_ newEntries: [Entry]) throws {
        try save(entries: newEntries)
    }

    /// Stores the hard state alone.
    public func setHardState(_ state: HardState) throws {
        try save(entries: [], hardState: state)
    }

    /// Replaces the whole log with `snapshot` (a snapshot received from the leader) and stores
    /// `hardState` with it, in one durable transaction.
    public func applySnapshot(_ snapshot: Snapshot, hardState newHardState: HardState? = nil) throws {
        guard snapshot.metadata.index > snapshotValue.metadata.index else { throw RaftStorageError.snapshotOutOfDate }
        let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
        let position = LogRecords.encodePosition(index: snapshot.metadata.index, term: snapshot.metadata.term)
        let record = LogRecords.encode(snapshot)
        try environment.write { txn in
            try txn.empty(entriesDB)
            try txn.put(metaDB, LogRecords.snapshotKey, record)
            try txn.put(metaDB, LogRecords.compactedKey, position)
            if let newHardState {
                try txn.put(metaDB, LogRecords.hardStateKey, LogRecords.encode(newHardState))
            }
        }
        if let newHardState { hardState = newHardState }
        snapshotValue = snapshot
        compacted = (snapshot.metadata.index, snapshot.metadata.term)
        last = snapshot.metadata.index
    }

    /// Records a snapshot the application made at `index` (which must be held) and returns it.
    @discardableResult
    public func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws -> Snapshot {
        guard index > snapshotValue.metadata.index else { throw RaftStorageError.snapshotOutOfDate }
        precondition(index <= last, "snapshot at \(index) beyond last index \(last)")
        let snapshot = Snapshot(metadata: SnapshotMetadata(index: index, term: try term(at: index), confState: confState), data: data)
        let (metaDB, record) = (self.metaDB, LogRecords.encode(snapshot))
        try environment.write { txn in try txn.put(metaDB, LogRecords.snapshotKey, record) }
        snapshotValue = snapshot
        return snapshot
    }

    /// Drops the entries up to and including `index`; `index` becomes the compaction point.
    /// The caller must not compact past the index the state machine has durably applied.
    public func compact(upTo index: UInt64) throws {
        if index <= compacted.index { throw RaftStorageError.compacted }
        precondition(index <= last, "compact(\(index)) beyond last index \(last)")
        let term = try term(at: index)
        let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
        let position = LogRecords.encodePosition(index: index, term: term)
        try environment.write { txn in
            try txn.withCursor(entriesDB) { cursor in
                var item = try cursor.first()
                while let (key, _) = item, try LogRecords.decodeIndex(key: key) <= index {
                    try cursor.deleteCurrent()
                    item = try cursor.next()
                }
            }
            try txn.put(metaDB, LogRecords.compactedKey, position)
        }
        compacted = (index, term)
    }
}
