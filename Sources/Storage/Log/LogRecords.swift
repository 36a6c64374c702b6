import Raft

/// How the log environment lays out its records.
///
/// `entries`: key = index (8 bytes, big-endian, so LMDB's order is log order and appends use
/// `MDB_APPEND`); value = term (8, little-endian), kind (1), payload.
/// `meta`: the hard state, the latest snapshot's metadata and the compaction point (the index
/// and term of the last entry dropped from the front: etcd's dummy entry).
enum LogRecords {
    static let entriesDatabase = "entries"
    static let metaDatabase = "meta"

    static let hardStateKey: [UInt8] = Array("hardstate".utf8)
    static let snapshotKey: [UInt8] = Array("snapshot".utf8)
    static let compactedKey: [UInt8] = Array("compacted".utf8)

    /// Bytes before the payload in an entry value.
    static let entryHeaderBytes = 9

    /// Writes the entry's value into `buffer`, which holds exactly `entryHeaderBytes + data.count`.
    static func encodeEntryValue(_ entry: Entry, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count == entryHeaderBytes + entry.data.count)
        buffer.storeBytes(of: entry.term.littleEndian, toByteOffset: 0, as: UInt64.self)
        buffer.storeBytes(of: entry.kind.rawValue, toByteOffset: 8, as: UInt8.self)
        entry.data.withUnsafeBytes { data in
            UnsafeMutableRawBufferPointer(rebasing: buffer[entryHeaderBytes...]).copyMemory(from: data)
        }
    }

    static func decodeEntry(index: UInt64, value: UnsafeRawBufferPointer) throws -> Entry {
        var reader = ByteReader(value, what: "log entry \(index)")
        let term = try reader.readLittleEndian(UInt64.self)
        let rawKind = try reader.readLittleEndian(UInt8.self)
        guard let kind = Entry.Kind(rawValue: rawKind) else {
            throw StorageError.corrupted("log entry \(index): unknown kind \(rawKind)")
        }
        return Entry(term: term, index: index, kind: kind, data: reader.readRest())
    }

    /// The term alone, without copying the payload.
    static func decodeTerm(index: UInt64, value: UnsafeRawBufferPointer) throws -> UInt64 {
        var reader = ByteReader(value, what: "log entry \(index)")
        return try reader.readLittleEndian(UInt64.self)
    }

    static func decodeIndex(key: UnsafeRawBufferPointer) throws -> UInt64 {
        var reader = ByteReader(key, what: "log entry key")
        let index = try reader.readBigEndian(UInt64.self)
        try reader.expectEnd()
        return index
    }

    static func encode(_ state: HardState) -> [UInt8] {
        var writer = ByteWriter(capacity: 24)
        writer.appendLittleEndian(state.term)
        writer.appendLittleEndian(state.vote)
        writer.appendLittleEndian(state.commit)
        return writer.bytes
    }

    static func decodeHardState(_ value: UnsafeRawBufferPointer) throws -> HardState {
        var reader = ByteReader(value, what: "hard state")
        let state = HardState(term: try reader.readLittleEndian(), vote: try reader.readLittleEndian(), commit: try reader.readLittleEndian())
        try reader.expectEnd()
        return state
    }

    static func encode(_ confState: ConfState, into writer: inout ByteWriter) {
        writer.appendLittleEndian(UInt32(confState.voters.count))
        for id in confState.voters { writer.appendLittleEndian(id) }
        writer.appendLittleEndian(UInt32(confState.learners.count))
        for id in confState.learners { writer.appendLittleEndian(id) }
    }

    static func decodeConfState(from reader: inout ByteReader) throws -> ConfState {
        func ids() throws -> [NodeID] {
            let count = Int(try reader.readLittleEndian(UInt32.self))
            guard count <= reader.remaining / 8 else { throw StorageError.corrupted("\(reader.what): \(count) member ids") }
            return try (0..<count).map { _ in try reader.readLittleEndian(UInt64.self) }
        }
        let voters = try ids()
        let learners = try ids()
        guard !voters.contains(noNode), !learners.contains(noNode) else { throw StorageError.corrupted("\(reader.what): member id 0") }
        return ConfState(voters: voters, learners: learners)
    }

    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendLittleEndian(snapshot.metadata.index)
        writer.appendLittleEndian(snapshot.metadata.term)
        encode(snapshot.metadata.confState, into: &writer)
        writer.appendLengthPrefixed(snapshot.data)
        return writer.bytes
    }

    static func decodeSnapshot(_ value: UnsafeRawBufferPointer) throws -> Snapshot {
        var reader = ByteReader(value, what: "snapshot metadata")
        let index = try reader.readLittleEndian(UInt64.self)
        let term = try reader.readLittleEndian(UInt64.self)
        let confState = try decodeConfState(from: &reader)
        let data = try reader.readLengthPrefixed()
        try reader.expectEnd()
        return Snapshot(metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
    }

    static func encodePosition(index: UInt64, term: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 16)
        writer.appendLittleEndian(index)
        writer.appendLittleEndian(term)
        return writer.bytes
    }

    static func decodePosition(_ value: UnsafeRawBufferPointer) throws -> (index: UInt64, term: UInt64) {
        var reader = ByteReader(value, what: "compaction point")
        let position = (index: try reader.readLittleEndian(UInt64.self), term: try reader.readLittleEndian(UInt64.self))
        try reader.expectEnd()
        return position
    }
}
