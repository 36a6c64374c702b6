/// The key space's databases and the reads and writes on them, inside a transaction the
/// caller holds. No state of its own: everything is in the environment.
struct KeySpace: Sendable {
    let kv: Database
    let history: Database
    let revisions: Database
    let leaseKeys: Database
    let meta: Database
    let cluster: Database

    init(_ environment: Environment) {
        kv = environment.database(StateRecords.kvDatabase)
        history = environment.database(StateRecords.historyDatabase)
        revisions = environment.database(StateRecords.revisionsDatabase)
        leaseKeys = environment.database(StateRecords.leaseKeysDatabase)
        meta = environment.database(StateRecords.metaDatabase)
        cluster = environment.database(StateRecords.clusterDatabase)
    }

    // MARK: meta

    func int64(_ txn: borrowing Transaction, _ key: [UInt8]) throws -> Int64 {
        guard let value = try txn.get(meta, key) else { return 0 }
        return try StateRecords.decodeInt64(value, what: String(decoding: key, as: UTF8.self))
    }

    /// The current revision: etcd's key space starts at revision 1, so the first write makes
    /// revision 2. A state environment no batch has committed to yet has no revision record.
    func currentRevision(_ txn: borrowing Transaction) throws -> Int64 {
        guard let value = try txn.get(meta, StateRecords.revisionKey) else { return StateRecords.firstRevision }
        return try StateRecords.decodeInt64(value, what: "revision")
    }

    func setInt64(_ txn: borrowing Transaction, _ key: [UInt8], _ value: Int64) throws {
        try txn.put(meta, key, StateRecords.encodeInt64(value))
    }

    func applied(_ txn: borrowing Transaction) throws -> (index: UInt64, term: UInt64) {
        guard let value = try txn.get(meta, StateRecords.appliedKey) else { return (0, 0) }
        var reader = ByteReader(value, what: "applied index")
        let applied = (index: try reader.readLittleEndian(UInt64.self), term: try reader.readLittleEndian(UInt64.self))
        try reader.expectEnd()
        return applied
    }

    func setApplied(_ txn: borrowing Transaction, index: UInt64, term: UInt64) throws {
        var writer = ByteWriter(capacity: 16)
        writer.appendLittleEndian(index)
        writer.appendLittleEndian(term)
        try txn.put(meta, StateRecords.appliedKey, writer.bytes)
    }

    // MARK: Reads

    /// The key as it is now, or `nil` when it does not exist.
    func current(_ txn: borrowing Transaction, _ key: [UInt8], withValue: Bool = true) throws -> KeyValue? {
        guard let record = try txn.get(kv, key) else { return nil }
        var (current, revision) = try StateRecords.decodeCurrent(key: key, record)
        if withValue { current.value = try value(txn, at: revision) }
        return current
    }

    /// The value a put stored at `revision`.
    func value(_ txn: borrowing Transaction, at revision: Revision) throws -> [UInt8] {
        guard let record = try txn.get(history, revision.bytes) else { throw StorageError.corrupted("history at \(revision) missing") }
        let event = try StateRecords.decodeChange(at: revision, record)
        guard event.kind == .put else { throw StorageError.corrupted("history at \(revision) is not a put") }
        return event.kv.value
    }

    /// Keys of `range` at the current revision, in key order: the first `limit` of them (0: all)
    /// decoded, and how many there are in all.
    func scanCurrent(_ txn: borrowing Transaction, _ range: KeyRange, limit: Int, countOnly: Bool, withValues: Bool = true) throws -> (kvs: [KeyValue], count: Int) {
        var kvs: [KeyValue] = []
        var count = 0
        try txn.withCursor(kv) { cursor in
            var item = try cursor.seek(atLeast: range.start)
            while let (key, value) = item, !range.isPast(key) {
                count += 1
                if !countOnly && (limit == 0 || kvs.count < limit) {
                    var (current, revision) = try StateRecords.decodeCurrent(key: Array(key), value)
                    if withValues { current.value = try self.value(txn, at: revision) }
                    kvs.append(current)
                }
                if case .single = range { break }
                item = try cursor.next()
            }
        }
        return (kvs, count)
    }

    /// Keys of `range` as they were at `revision` (which compaction has not passed), in key order.
    func scanAt(_ txn: borrowing Transaction, _ range: KeyRange, revision: Int64, limit: Int, countOnly: Bool, withValues: Bool = true) throws -> (kvs: [KeyValue], count: Int) {
        var found: [Revision] = []
        var count = 0
        let probe = StateRecords.encodeRevisionEntry(Revision(main: revision + 1), tombstone: false)
        try txn.withCursor(revisions) { cursor in
            var item = try cursor.seek(atLeast: range.start)
            while let (keyBuffer, _) = item, !range.isPast(keyBuffer) {
                let key = Array(keyBuffer)
                // The newest revision of the key at or below `revision`.
                let newest: Cursor.Item?
                if try cursor.seek(key: key, valueAtLeast: probe) != nil {
                    newest = try cursor.previousValue()
                } else {
                    _ = try cursor.seek(exactly: key)
                    newest = try cursor.lastValue()
                }
                if let newest {
                    let entry = try StateRecords.decodeRevisionEntry(newest.value)
                    assert(entry.revision.main <= revision)
                    if !entry.tombstone {
                        count += 1
                        if !countOnly && (limit == 0 || found.count < limit) { found.append(entry.revision) }
                    }
                }
                if case .single = range { break }
                item = try cursor.nextKey()
            }
        }
        let kvs = try found.map { revision in
            guard let value = try txn.get(history, revision.bytes) else {
                throw StorageError.corrupted("history at \(revision) missing")
            }
            let event = try StateRecords.decodeChange(at: revision, value)
            guard event.kind == .put else { throw StorageError.corrupted("history at \(revision) is not a put") }
            return withValues ? event.kv : event.kv.with(value: [])
        }
        return (kvs, count)
    }

    /// etcd's `rangeKeys` followed by its apply layer's filters, sort and limit
    /// (`applierV3backend.Range`). `currentRevision` is the revision the reader sees.
    func range(_ txn: borrowing Transaction, _ r: RangeRequest, currentRevision: Int64, compactRevision: Int64) throws -> RangeResponse {
        let filtered = r.minModRevision != 0 || r.maxModRevision != 0 || r.minCreateRevision != 0 || r.maxCreateRevision != 0
        // Sorted or filtered: fetch everything, then sort and truncate. Otherwise one extra key
        // tells whether there are more.
        var limit = r.sortOrder != .none || filtered ? 0 : Int(clamping: r.limit)
        if limit > 0 { limit += 1 }
        if limit < 0 { limit = 0 }

        if r.revision > currentRevision { throw MVCCError.futureRevision }
        let revision = r.revision <= 0 ? currentRevision : r.revision
        if revision < compactRevision { throw MVCCError.compacted }

        let range = KeyRange(key: r.key, rangeEnd: r.rangeEnd)
        let withValues = !r.keysOnly || r.sortTarget == .value
        var (kvs, count) = revision == currentRevision
            ? try scanCurrent(txn, range, limit: limit, countOnly: r.countOnly, withValues: withValues)
            : try scanAt(txn, range, revision: revision, limit: limit, countOnly: r.countOnly, withValues: withValues)

        if r.maxModRevision != 0 { kvs.removeAll { $0.modRevision > r.maxModRevision } }
        if r.minModRevision != 0 { kvs.removeAll { $0.modRevision < r.minModRevision } }
        if r.maxCreateRevision != 0 { kvs.removeAll { $0.createRevision > r.maxCreateRevision } }
        if r.minCreateRevision != 0 { kvs.removeAll { $0.createRevision < r.minCreateRevision } }

        var order = r.sortOrder
        // Results come in ascending key order; any other target sorts ascending by default.
        if r.sortTarget != .key && order == .none { order = .ascend }
        if order != .none {
            let less: (KeyValue, KeyValue) -> Bool = switch r.sortTarget {
            case .key: { $0.key.lexicographicallyPrecedes($1.key) }
            case .version: { $0.version < $1.version }
            case .create: { $0.createRevision < $1.createRevision }
            case .mod: { $0.modRevision < $1.modRevision }
            case .value: { $0.value.lexicographicallyPrecedes($1.value) }
            }
            kvs.sort(by: order == .ascend ? less : { less($1, $0) })
        }
        var more = false
        if r.limit > 0 && kvs.count > r.limit {
            kvs.removeLast(kvs.count - Int(r.limit))
            more = true
        }
        if r.keysOnly && withValues {
            for i in kvs.indices { kvs[i].value = [] }
        }
        return RangeResponse(revision: currentRevision, kvs: kvs, more: more, count: Int64(count))
    }

    /// etcd's `applyCompare`: every key of the range must satisfy it; a missing key compares as
    /// a zero `KeyValue`, except that a value comparison on a missing key always fails.
    func evaluate(_ txn: borrowing Transaction, _ c: Compare) throws -> Bool {
        var needsValues = false
        if case .value = c.target { needsValues = true }
        let (kvs, _) = try scanCurrent(txn, KeyRange(key: c.key, rangeEnd: c.rangeEnd), limit: 0, countOnly: false, withValues: needsValues)
        if kvs.isEmpty {
            if case .value = c.target { return false }
            return Self.compare(c, KeyValue(key: [], createRevision: 0, modRevision: 0, version: 0, value: []))
        }
        return kvs.allSatisfy { Self.compare(c, $0) }
    }

    private static func compare(_ c: Compare, _ kv: KeyValue) -> Bool {
        func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        let result: Int = switch c.target {
        case let .value(v): kv.value == v ? 0 : (kv.value.lexicographicallyPrecedes(v) ? -1 : 1)
        case let .version(v): order(kv.version, v)
        case let .createRevision(v): order(kv.createRevision, v)
        case let .modRevision(v): order(kv.modRevision, v)
        case let .lease(v): order(kv.lease, v)
        }
        return switch c.result {
        case .equal: result == 0
        case .notEqual: result != 0
        case .greater: result > 0
        case .less: result < 0
        }
    }

    // MARK: Writes

    /// Puts `key` at `revision`; `previous` is the key as it is now.
    @discardableResult
    func put(_ txn: borrowing Transaction, key: [UInt8], value: [UInt8], lease: Int64, at revision: Revision, previous: KeyValue?) throws -> KeyValue {
        let kvValue = KeyValue(
            key: key, createRevision: previous?.createRevision ?? revision.main, modRevision: revision.main,
            version: (previous?.version ?? 0) + 1, value: value, lease: lease)
        try txn.put(kv, key, StateRecords.encodeCurrent(kvValue, at: revision))
        // History keys only grow: MDB_APPEND asserts it and skips the page search.
        try txn.put(history, revision.bytes, StateRecords.encodeChange(kind: .put, kvValue), flags: .append)
        try txn.put(revisions, key, StateRecords.encodeRevisionEntry(revision, tombstone: false))
        if let previous, previous.lease != 0, previous.lease != lease {
            try txn.delete(leaseKeys, StateRecords.leaseKey(previous.lease), value: key)
        }
        if lease != 0 {
            try txn.put(leaseKeys, StateRecords.leaseKey(lease), key, flags: .noDuplicateData)
        }
        return kvValue
    }

    /// Deletes `previous.key` (which exists) at `revision`, leaving a tombstone in the history.
    func delete(_ txn: borrowing Transaction, _ previous: KeyValue, at revision: Revision) throws {
        let tombstone = KeyValue(key: previous.key, createRevision: 0, modRevision: revision.main, version: 0, value: [])
        guard try txn.delete(kv, previous.key) else { throw StorageError.corrupted("deleting missing key") }
        try txn.put(history, revision.bytes, StateRecords.encodeChange(kind: .delete, tombstone), flags: .append)
        try txn.put(revisions, previous.key, StateRecords.encodeRevisionEntry(revision, tombstone: true))
        if previous.lease != 0 {
            try txn.delete(leaseKeys, StateRecords.leaseKey(previous.lease), value: previous.key)
        }
    }
}
