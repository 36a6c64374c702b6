import Raft

/// How the log environment lays out its records.
///
/// `entries`: key = index (8 bytes, big-endian, so LMDB's order is log order and appends use
/// `MDB_APPEND`); value = term (8, little-endian), kind (1), payload.
/// `meta`: the hard state, the latest snapshot's metadata, the compaction point (the index
/// and term of the last entry dropped from the front: etcd's dummy entry) and the sequence of
/// the last write-ahead log record the environment holds.
enum LogRecords {
    static let entriesDatabase = "entries"
    static let metaDatabase = "meta"

    static let hardStateKey: [UInt8] = Array("hardstate".utf8)
    static let snapshotKey: [UInt8] = Array("snapshot".utf8)
    static let compactedKey: [UInt8] = Array("compacted".utf8)
    /// The sequence of the last write-ahead log record the environment holds.
    static let walSequenceKey: [UInt8] = Array("walsequence".utf8)

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

    static func encode(sequence: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.appendLittleEndian(sequence)
        return writer.bytes
    }

    static func decodeSequence(_ value: UnsafeRawBufferPointer) throws -> UInt64 {
        var reader = ByteReader(value, what: "write-ahead log sequence")
        let sequence = try reader.readLittleEndian(UInt64.self)
        try reader.expectEnd()
        return sequence
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

/// What one write-ahead log record holds: a `LogStorage.save` — entries to append (a suffix
/// they conflict with is dropped) and the hard state, either may be missing.
struct LogWrite {
    var entries: [Entry]
    var hardState: HardState?

    var byteCount: Int { entries.reduce(32) { $0 + 21 + $1.data.count } }

    /// Flags (1: a hard state follows), the hard state, the entry count, then per entry:
    /// index, term, kind, payload length and payload.
    func encode(into writer: inout ByteWriter) {
        writer.appendLittleEndian(UInt8(hardState == nil ? 0 : 1))
        if let hardState {
            writer.appendLittleEndian(hardState.term)
            writer.appendLittleEndian(hardState.vote)
            writer.appendLittleEndian(hardState.commit)
        }
        writer.appendLittleEndian(UInt32(entries.count))
        for entry in entries {
            writer.appendLittleEndian(entry.index)
            writer.appendLittleEndian(entry.term)
            writer.appendLittleEndian(entry.kind.rawValue)
            writer.appendLengthPrefixed(entry.data)
        }
    }

    init(entries: [Entry], hardState: HardState?) {
        self.entries = entries
        self.hardState = hardState
    }

    init(decoding payload: [UInt8], sequence: UInt64) throws {
        self = try payload.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer, what: "write-ahead log record \(sequence)")
            let flags = try reader.readLittleEndian(UInt8.self)
            guard flags <= 1 else { throw StorageError.corrupted("\(reader.what): flags \(flags)") }
            let hardState = flags == 1
                ? HardState(term: try reader.readLittleEndian(), vote: try reader.readLittleEndian(), commit: try reader.readLittleEndian())
                : nil
            let count = Int(try reader.readLittleEndian(UInt32.self))
            guard count <= reader.remaining / 21 else { throw StorageError.corrupted("\(reader.what): \(count) entries") }
            var entries: [Entry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let index = try reader.readLittleEndian(UInt64.self)
                let term = try reader.readLittleEndian(UInt64.self)
                let rawKind = try reader.readLittleEndian(UInt8.self)
                guard let kind = Entry.Kind(rawValue: rawKind) else { throw StorageError.corrupted("\(reader.what): entry kind \(rawKind)") }
                entries.append(Entry(term: term, index: index, kind: kind, data: try reader.readLengthPrefixed()))
            }
            try reader.expectEnd()
            return LogWrite(entries: entries, hardState: hardState)
        }
    }
}
