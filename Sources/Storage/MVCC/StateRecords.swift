/// How the state environment lays out the key space. Everything a request needs is on disk and
/// indexed, so nothing is rebuilt in memory at open (etcd keeps its key index in memory; this
/// one is a B-tree in the map, paged in on demand).
///
/// - `kv`: user key → the key's current create revision, mod revision, version and lease. Reads
///   at the current revision, the common case, scan here and fetch values from `history`.
/// - `history`: `Revision` (16 bytes, big-endian) → the change made at it (kind, key, create,
///   version, lease, value): etcd's `key` bucket. Watch reads events since a revision here.
/// - `revisions` (sorted duplicates, fixed size): user key → every `Revision` of it still held,
///   with a tombstone flag. A read at an older revision finds the newest revision `<=` it here.
/// - `leaseKeys` (sorted duplicates): lease id (8 bytes, big-endian) → each key attached to it.
/// - `meta`: current revision (1 when absent, as etcd starts), compaction revisions, applied
///   Raft index and term.
/// - `cluster`: the server's replicated records beside the key space (members, alarms), opaque
///   here; they commit with the entries that change them and travel in snapshots.
enum StateRecords {
    static let kvDatabase = "kv"
    static let historyDatabase = "history"
    static let revisionsDatabase = "revisions"
    static let leaseKeysDatabase = "leaseKeys"
    static let metaDatabase = "meta"
    static let clusterDatabase = "cluster"

    static let databases: [String: DatabaseFlags] = [
        kvDatabase: [],
        historyDatabase: [],
        revisionsDatabase: [.duplicateSort, .duplicateFixed],
        leaseKeysDatabase: [.duplicateSort],
        metaDatabase: [],
        clusterDatabase: [],
    ]

    /// The current revision (absent until the first batch commits: `firstRevision`).
    static let revisionKey: [UInt8] = Array("revision".utf8)
    /// The revision of an empty key space, as in etcd (`store.currentRev` starts at 1).
    static let firstRevision: Int64 = 1
    /// The compaction revision requests see (reads below it fail).
    static let compactRevisionKey: [UInt8] = Array("compact".utf8)
    /// How far history has been physically compacted: every entry up to it was processed.
    static let compactedThroughKey: [UInt8] = Array("compactedThrough".utf8)
    static let appliedKey: [UInt8] = Array("applied".utf8)

    // MARK: kv

    /// The key's create revision, mod revision (main and sub), version and lease. The value
    /// is not repeated here: it is read from `history` at the mod revision, so each value is
    /// stored once (half the file and the snapshot, against one more B-tree lookup per key read).
    static func encodeCurrent(_ kv: KeyValue, at revision: Revision) -> [UInt8] {
        assert(kv.modRevision == revision.main)
        var writer = ByteWriter(capacity: 40)
        writer.appendLittleEndian(kv.createRevision)
        writer.appendLittleEndian(revision.main)
        writer.appendLittleEndian(revision.sub)
        writer.appendLittleEndian(kv.version)
        writer.appendLittleEndian(kv.lease)
        return writer.bytes
    }

    /// The key without its value, and the revision its value is stored at.
    static func decodeCurrent(key: [UInt8], _ value: UnsafeRawBufferPointer) throws -> (kv: KeyValue, revision: Revision) {
        var reader = ByteReader(value, what: "current value")
        let create = try reader.readLittleEndian(Int64.self)
        let main = try reader.readLittleEndian(Int64.self)
        let sub = try reader.readLittleEndian(Int64.self)
        let version = try reader.readLittleEndian(Int64.self)
        let lease = try reader.readLittleEndian(Int64.self)
        try reader.expectEnd()
        guard main > 0, sub >= 0 else { throw StorageError.corrupted("current value: revision \(main).\(sub)") }
        return (KeyValue(key: key, createRevision: create, modRevision: main, version: version, value: [], lease: lease),
                Revision(main: main, sub: sub))
    }

    // MARK: history

    static func encodeChange(kind: Event.Kind, _ kv: KeyValue) -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + 4 + kv.key.count + 24 + kv.value.count)
        writer.appendLittleEndian(kind.rawValue)
        writer.appendLengthPrefixed(kv.key)
        writer.appendLittleEndian(kv.createRevision)
        writer.appendLittleEndian(kv.version)
        writer.appendLittleEndian(kv.lease)
        writer.append(kv.value)
        return writer.bytes
    }

    static func decodeChange(at revision: Revision, _ value: UnsafeRawBufferPointer) throws -> Event {
        var reader = ByteReader(value, what: "history at \(revision)")
        let rawKind = try reader.readLittleEndian(UInt8.self)
        guard let kind = Event.Kind(rawValue: rawKind) else { throw StorageError.corrupted("history at \(revision): kind \(rawKind)") }
        let key = try reader.readLengthPrefixed()
        let kv = KeyValue(
            key: key, createRevision: try reader.readLittleEndian(), modRevision: revision.main,
            version: try reader.readLittleEndian(), value: [], lease: try reader.readLittleEndian())
        return Event(kind: kind, kv: kv.with(value: reader.readRest()), revision: revision)
    }

    // MARK: revisions

    /// Bytes of one `revisions` value: the revision and a tombstone flag.
    static let revisionEntryBytes = Revision.encodedBytes + 1

    static func encodeRevisionEntry(_ revision: Revision, tombstone: Bool) -> [UInt8] {
        revision.bytes + [tombstone ? 1 : 0]
    }

    static func decodeRevisionEntry(_ value: UnsafeRawBufferPointer) throws -> (revision: Revision, tombstone: Bool) {
        guard value.count == revisionEntryBytes else { throw StorageError.corrupted("revision entry of \(value.count) bytes") }
        return (try Revision(decoding: value), value[Revision.encodedBytes] == 1)
    }

    // MARK: leaseKeys

    static func leaseKey(_ lease: Int64) -> [UInt8] { UInt64(bitPattern: lease).bigEndianBytes }

    // MARK: meta

    static func encodeInt64(_ value: Int64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.appendLittleEndian(value)
        return writer.bytes
    }

    static func decodeInt64(_ value: UnsafeRawBufferPointer, what: String) throws -> Int64 {
        var reader = ByteReader(value, what: what)
        let decoded = try reader.readLittleEndian(Int64.self)
        try reader.expectEnd()
        return decoded
    }
}

extension KeyValue {
    func with(value: [UInt8]) -> KeyValue {
        var copy = self
        copy.value = value
        return copy
    }
}
