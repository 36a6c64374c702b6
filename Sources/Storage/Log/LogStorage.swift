import Raft

/// The Raft log: a write-ahead log (`raft/wal/`) in front of its own, fully synchronous LMDB
/// environment (`raft/` in a data directory).
///
/// Semantics are `MemoryStorage`'s (etcd's raft): after a snapshot or compaction at index `s`,
/// `firstIndex()` is `s + 1` and `term(at: s)` is still answered. A `save` (entries, the
/// truncation of a conflicting suffix, the hard state) is one write-ahead log record, durable
/// when the call returns at the cost of one sync; `LogFlusher` moves records into LMDB in the
/// background, many per transaction. Until they are there, the entries are read from `tail`.
/// The rare whole-log operations (snapshot, compaction) first wait for LMDB to catch up.
///
/// The first and last index, the hard state and the snapshot metadata are cached in memory:
/// they are read from disk at open in O(log n) (nothing is rebuilt but the write-ahead log's
/// records LMDB lacks) and updated only after a write succeeded. The class is not thread-safe:
/// one Raft host thread owns it, as it owns the core.
public final class LogStorage: RaftStorage {
    /// The environment's default map size: an upper bound on the file, not an allocation.
    public static let defaultMapSize = 64 << 30
    /// The size of a write-ahead log segment file (a record larger than that gets its own).
    public static let defaultWALSegmentBytes = 16 << 20

    public let environment: Environment
    private let entriesDB: Database
    private let metaDB: Database
    private let wal: WriteAheadLog
    private let flusher: LogFlusher
    private var isClosed = false

    public private(set) var hardState: HardState
    private var snapshotValue: Snapshot
    /// etcd's dummy entry: the last index dropped from the front of the log, and its term.
    private var compacted: (index: UInt64, term: UInt64)
    private var last: UInt64
    /// Entries `tailStart...last`, which LMDB may not hold yet (or holds an older version of):
    /// read from here. Entries before `tailStart` are read from LMDB.
    private var tail: [Entry] = []
    private var tailStart: UInt64
    /// Records handed to the flusher and not known to be in LMDB, oldest first: the first
    /// index each one writes (where it truncates) and the log's last index after it.
    private var unflushed: [(sequence: UInt64, first: UInt64?, lastAfter: UInt64)] = []
    private var encoder = ByteWriter()

    /// Opens the log in `path`, creating it when missing. A new log starts with
    /// `initialConfState` as its configuration (the members a new group starts with).
    /// Write-ahead log records that LMDB lacks (a crash came before their flush) are moved
    /// into LMDB first.
    public init(path: String, mapSize: Int = LogStorage.defaultMapSize, initialConfState: ConfState = ConfState(),
                walSegmentBytes: Int = LogStorage.defaultWALSegmentBytes) throws {
        environment = try Environment(path: path, options: .init(
            mapSize: mapSize, durability: .full,
            databases: [LogRecords.entriesDatabase: [], LogRecords.metaDatabase: []]))
        entriesDB = environment.database(LogRecords.entriesDatabase)
        metaDB = environment.database(LogRecords.metaDatabase)

        let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
        let walSequence = try Self.replayWriteAheadLog(environment, entriesDB: entriesDB, metaDB: metaDB,
                                                       directory: path + "/wal", segmentBytes: walSegmentBytes)
        wal = walSequence.wal
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
        tailStart = last + 1
        flusher = LogFlusher(environment: environment, entriesDB: entriesDB, metaDB: metaDB,
                             committed: walSequence.sequence, lastIndex: last)
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

    /// Writes the write-ahead log's records that LMDB lacks into LMDB, in one durable
    /// transaction, and releases the segments. Returns the opened log and the sequence LMDB
    /// holds now.
    private static func replayWriteAheadLog(_ environment: Environment, entriesDB: Database, metaDB: Database,
                                            directory: String, segmentBytes: Int) throws -> (wal: WriteAheadLog, sequence: UInt64) {
        let (durable, compactedIndex, lastIndex) = try environment.read { txn in
            (try txn.get(metaDB, LogRecords.walSequenceKey).map(LogRecords.decodeSequence) ?? 0,
             try txn.get(metaDB, LogRecords.compactedKey).map(LogRecords.decodePosition)?.index ?? 0,
             try txn.withCursor(entriesDB) { try $0.last().map { try LogRecords.decodeIndex(key: $0.key) } })
        }
        let (wal, records) = try WriteAheadLog.open(directory: directory, after: durable, segmentBytes: segmentBytes)
        guard let newest = records.last?.sequence else {
            wal.release(through: durable)
            return (wal, durable)
        }
        var last = lastIndex ?? compactedIndex
        try environment.write { txn in
            for record in records {
                var write = try LogWrite(decoding: record.payload, sequence: record.sequence)
                write.entries.removeAll { $0.index <= compactedIndex }
                if let first = write.entries.first?.index, first > last + 1 {
                    throw StorageError.corrupted("write-ahead log record \(record.sequence) appends \(first) after \(last)")
                }
                try LogFlusher.store(write, in: txn, entriesDB: entriesDB, metaDB: metaDB, last: &last)
            }
            try txn.put(metaDB, LogRecords.walSequenceKey, LogRecords.encode(sequence: newest))
        }
        wal.release(through: newest)
        return (wal, newest)
    }

    deinit { close() }

    /// Moves what the write-ahead log holds into LMDB and closes both; the object must not be
    /// used afterwards. (Should the move fail, the write-ahead log still holds the records.)
    public func close() {
        if isClosed { return }
        isClosed = true
        try? flusher.stop()
        wal.close()
        environment.close()
    }

    /// Waits until LMDB holds everything written so far, then forgets the in-memory copies.
    private func flushToEnvironment() throws {
        try flusher.flush()
        trimTail()
    }

    /// Drops from `tail` the entries that LMDB now holds as the log has them, and releases the
    /// write-ahead log segments LMDB no longer needs.
    private func trimTail() {
        guard let oldest = unflushed.first else { return }
        let committed = flusher.committedSequence
        guard oldest.sequence <= committed else { return }
        let done = unflushed.prefix { $0.sequence <= committed }
        let lastInEnvironment = done.last!.lastAfter
        unflushed.removeFirst(done.count)
        wal.release(through: committed)
        // A later record that truncates below LMDB's end makes the entries from there stale.
        let bound = min(lastInEnvironment + 1, unflushed.compactMap(\.first).min() ?? .max)
        guard bound > tailStart else { return }
        tail.removeFirst(min(tail.count, Int(bound - tailStart)))
        tailStart = bound
    }

    // MARK: RaftStorage

    public func initialState() throws -> (HardState, ConfState) {
        (hardState, snapshotValue.metadata.confState)
    }

    public func entries(from low: UInt64, to high: UInt64, maxBytes: Int) throws -> [Entry] {
        if low <= compacted.index { throw RaftStorageError.compacted }
        precondition(high <= last + 1, "entries(\(low), \(high)) beyond last index \(last)")
        if low >= high { return [] }
        trimTail()
        var result: [Entry] = []
        var size = 0
        if low < tailStart {
            let stored = try storedEntries(from: low, to: min(high, tailStart), maxBytes: maxBytes)
            if stored.entries.count < Int(min(high, tailStart) - low) { return stored.entries }
            result = stored.entries
            size = stored.bytes
        }
        guard high > tailStart else { return result }
        for index in max(low, tailStart)..<high {
            let entry = tail[Int(index - tailStart)]
            size += entry.sizeInBytes
            if size > maxBytes && !result.isEmpty { break }
            result.append(entry)
        }
        return result
    }

    /// Entries `low..<high` from LMDB, stopping before `maxBytes` (at least one).
    private func storedEntries(from low: UInt64, to high: UInt64, maxBytes: Int) throws -> (entries: [Entry], bytes: Int) {
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
                    if size + entry.sizeInBytes > maxBytes && !result.isEmpty { break }
                    size += entry.sizeInBytes
                    result.append(entry)
                    expected += 1
                    item = try cursor.next()
                }
                guard !result.isEmpty else { throw StorageError.corrupted("log entry \(low) missing") }
                return (result, size)
            }
        }
    }

    public func term(at index: UInt64) throws -> UInt64 {
        if index < compacted.index { throw RaftStorageError.compacted }
        if index > last { throw RaftStorageError.unavailable }
        if index == compacted.index { return compacted.term }
        if index >= tailStart { return tail[Int(index - tailStart)].term }
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
    /// `hardState`: one write-ahead log record, durable when this returns. Without `sync` (the
    /// core's `Ready.mustSync` is false: only the commit index moved, which Raft can learn
    /// again) the record is not synced: it survives a process crash, not an OS crash.
    public func save(entries newEntries: [Entry], hardState newHardState: HardState? = nil, sync: Bool = true) throws {
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
        trimTail()

        let write = LogWrite(entries: Array(toAppend), hardState: newHardState)
        // Refused here, before the record is durable, rather than by a flush that could no
        // longer refuse it: twice the bytes covers LMDB's page overhead and copied branches.
        if environment.usedBytes() + 2 * (flusher.queuedByteCount + write.byteCount) > environment.options.mapSize {
            throw StorageError.spaceExceeded
        }
        encoder.bytes.removeAll(keepingCapacity: true)
        write.encode(into: &encoder)
        let sequence = try wal.append(encoder.bytes, sync: sync || !toAppend.isEmpty)
        try flusher.enqueue(sequence: sequence, write)

        if let first = toAppend.first?.index {
            if first < tailStart {
                // LMDB's entries from `first` on are replaced: read them from the tail.
                tail.removeAll(keepingCapacity: true)
                tailStart = first
            } else {
                tail.removeLast(tail.count - Int(first - tailStart))
            }
            tail.append(contentsOf: toAppend)
            last = toAppend.last!.index
        }
        unflushed.append((sequence, toAppend.first?.index, last))
        if let newHardState { hardState = newHardState }
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
        try flushToEnvironment()
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
        flusher.logReplaced(lastIndex: last)
        tail.removeAll()
        tailStart = last + 1
    }

    /// Records a snapshot the application made at `index` (which must be held) and returns it.
    @discardableResult
    public func createSnapshot(at index: UInt64, confState: ConfState, data: [UInt8]) throws -> Snapshot {
        guard index > snapshotValue.metadata.index else { throw RaftStorageError.snapshotOutOfDate }
        precondition(index <= last, "snapshot at \(index) beyond last index \(last)")
        try flushToEnvironment()
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
        try flushToEnvironment()
        precondition(index < tailStart, "compacting entries LMDB does not hold")
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
