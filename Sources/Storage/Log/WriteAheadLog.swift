import Checksums
import Glibc

/// The Raft log's durability point: records appended to preallocated segment files, one write
/// and one `fdatasync` per record, in front of the LMDB log environment.
///
/// A fully synchronous LMDB commit costs two syncs (data pages, then the meta page) on a file
/// whose pages move; an overwrite inside a preallocated, already synced file costs one, about
/// half as long (`shared/notes/storage-measurements.md`). So a batch is durable once its record
/// is here, and `LogStorage` moves records into LMDB in the background, many per transaction.
/// A segment is released once LMDB holds all its records durably, and is reused as the next
/// segment instead of allocating a new file.
///
/// Record: length of the payload (4 bytes), CRC-32C of sequence and payload (4), sequence (8),
/// payload. Sequences are consecutive across segments; a segment's file name is the sequence of
/// its first record. Reading a segment stops at the first record that is not the next sequence
/// with a valid checksum: zeros, a torn write, or an older lap's records in a reused file.
///
/// Not thread-safe: the log's owner thread appends and releases.
final class WriteAheadLog {
    static let headerBytes = 16

    struct Record {
        var sequence: UInt64
        var payload: [UInt8]
    }

    private struct Segment {
        var firstSequence: UInt64
        var lastSequence: UInt64
        var path: String
    }

    let directory: String
    let segmentBytes: Int
    /// Closed segments, oldest first; their records are all older than the current segment's.
    private var closed: [Segment] = []
    private var current: Segment
    private var currentFD: Int32
    private var currentSize: Int
    private var offset = 0
    private(set) var lastSequence: UInt64
    /// A released segment kept for reuse as the next one.
    private var spare: String?
    /// The record header being written, reused by every append.
    private var header = [UInt8](repeating: 0, count: WriteAheadLog.headerBytes)

    /// Opens the log in `directory` (created when missing) and returns the records after
    /// `durableSequence` (what LMDB already holds), in order. Appending starts in a new segment.
    static func open(directory: String, after durableSequence: UInt64, segmentBytes: Int) throws -> (WriteAheadLog, [Record]) {
        precondition(segmentBytes >= 4096, "segments of \(segmentBytes) bytes")
        try FileSystem.makeDirectory(directory)
        var segments: [Segment] = []
        var records: [Record] = []
        var spare: String?
        var named: [(first: UInt64, path: String)] = []
        for name in try FileSystem.list(directory).sorted() {
            let path = directory + "/" + name
            if name == spareName {
                spare = path
                continue
            }
            if name.hasSuffix(".wal.tmp") {
                // A segment whose allocation a crash cut short: it never held a record.
                unlink(path)
                continue
            }
            guard name.hasSuffix(".wal"), let first = UInt64(name.dropLast(4), radix: 16) else {
                throw StorageError.corrupted("\(path) is not a write-ahead log segment")
            }
            named.append((first, path))
        }
        for (position, (first, path)) in named.enumerated() {
            // A segment followed by one that starts within what LMDB holds is wholly in LMDB:
            // its records are not read again at every start.
            if position + 1 < named.count, named[position + 1].first - 1 <= durableSequence {
                segments.append(Segment(firstSequence: first, lastSequence: named[position + 1].first - 1, path: path))
                continue
            }
            let found = try readSegment(path, firstSequence: first)
            guard let last = found.last?.sequence else {
                // Started but never written to: the next segment may take its name.
                unlink(path)
                continue
            }
            segments.append(Segment(firstSequence: first, lastSequence: last, path: path))
            records += found.lazy.filter { $0.sequence > durableSequence }
        }
        // The records LMDB lacks must all be here, one after another.
        for (expected, record) in zip((durableSequence + 1)..., records) where record.sequence != expected {
            throw StorageError.corrupted("write-ahead log record \(expected) missing (found \(record.sequence)) in \(directory)")
        }
        let lastSequence = max(durableSequence, records.last?.sequence ?? 0, segments.last?.lastSequence ?? 0)
        let wal = try WriteAheadLog(directory: directory, segmentBytes: segmentBytes, closed: segments,
                                    spare: spare, nextSequence: lastSequence + 1)
        return (wal, records)
    }

    private init(directory: String, segmentBytes: Int, closed: [Segment], spare: String?, nextSequence: UInt64) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.closed = closed
        self.spare = spare
        lastSequence = nextSequence - 1
        current = Segment(firstSequence: nextSequence, lastSequence: nextSequence - 1, path: "")
        currentFD = -1
        currentSize = 0
        try startSegment(minimumBytes: 0)
    }

    deinit { close() }

    func close() {
        if currentFD >= 0 { Glibc.close(currentFD) }
        currentFD = -1
    }

    /// Appends `payload` as the next record and returns when it is on disk — or, without
    /// `sync`, when it is in the OS's cache: a process crash keeps it, an OS crash may lose it
    /// (and every unsynced record after the last synced one), never one before it.
    @discardableResult
    func append(_ payload: [UInt8], sync: Bool = true) throws -> UInt64 {
        let recordBytes = Self.headerBytes + payload.count
        if offset + recordBytes > currentSize { try startSegment(minimumBytes: recordBytes) }
        let sequence = lastSequence + 1
        header.withUnsafeMutableBytes { h in
            h.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            h.storeBytes(of: Self.checksum(sequence: sequence, payload).littleEndian, toByteOffset: 4, as: UInt32.self)
            h.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        try FileSystem.writeAll(currentFD, header, payload, at: offset, path: current.path)
        if sync { try FileSystem.syncData(currentFD, path: current.path) }
        offset += recordBytes
        lastSequence = sequence
        current.lastSequence = sequence
        return sequence
    }

    /// LMDB holds every record up to `sequence` durably: closed segments wholly covered are
    /// no longer needed. One is kept for reuse, the others are deleted.
    func release(through sequence: UInt64) {
        while let oldest = closed.first, oldest.lastSequence <= sequence {
            closed.removeFirst()
            precondition(oldest.path != current.path, "releasing the segment being written")
            if spare == nil, (try? FileSystem.rename(oldest.path, directory + "/" + Self.spareName)) != nil {
                spare = directory + "/" + Self.spareName
            } else {
                unlink(oldest.path)
            }
        }
    }

    /// Closes the current segment and starts the next one at `lastSequence + 1`: the spare
    /// renamed, or a new file allocated. Either way its size is fixed before the first record,
    /// so a record's sync never has to write the file's metadata.
    private func startSegment(minimumBytes: Int) throws {
        if currentFD >= 0 {
            Glibc.close(currentFD)
            currentFD = -1
            if current.lastSequence >= current.firstSequence { closed.append(current) } else { unlink(current.path) }
        }
        let first = lastSequence + 1
        let path = directory + "/" + Self.segmentName(first)
        let size = max(segmentBytes, minimumBytes)
        if let spare, (try? FileSystem.size(of: spare)) ?? 0 >= size {
            try FileSystem.rename(spare, path)
            self.spare = nil
        } else {
            let fd = try FileSystem.open(path + ".tmp", O_WRONLY | O_CREAT | O_TRUNC)
            defer { Glibc.close(fd) }
            let result = posix_fallocate(fd, 0, off_t(size))
            if result != 0 { throw StorageError.io(operation: "posix_fallocate", path: path, errno: result) }
            try FileSystem.sync(fd, path: path)
            try FileSystem.rename(path + ".tmp", path)
        }
        try FileSystem.syncDirectory(directory)
        currentFD = try FileSystem.open(path, O_WRONLY)
        currentSize = try FileSystem.size(currentFD, path: path)
        current = Segment(firstSequence: first, lastSequence: first - 1, path: path)
        offset = 0
    }

    // MARK: Reading

    private static let spareName = "spare"

    static func segmentName(_ firstSequence: UInt64) -> String {
        let hex = String(firstSequence, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".wal"
    }

    private static func checksum(sequence: UInt64, _ payload: [UInt8]) -> UInt32 {
        let head = withUnsafeBytes(of: sequence.littleEndian) { CRC32C.checksum($0) }
        return payload.withUnsafeBytes { CRC32C.checksum($0, continuing: head) }
    }

    /// The valid records at the start of the segment, in order.
    static func readSegment(_ path: String, firstSequence: UInt64) throws -> [Record] {
        let bytes = try FileSystem.readWholeFile(path)
        var records: [Record] = []
        var position = 0
        var expected = firstSequence
        while position + headerBytes <= bytes.count {
            let (length, crc, sequence) = bytes.withUnsafeBytes { b in
                (Int(b.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian),
                 b.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self).littleEndian,
                 b.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self).littleEndian)
            }
            let end = position + headerBytes + length
            guard sequence == expected, end <= bytes.count else { break }
            let payload = Array(bytes[(position + headerBytes)..<end])
            guard checksum(sequence: sequence, payload) == crc else { break }
            records.append(Record(sequence: sequence, payload: payload))
            position = end
            expected += 1
        }
        return records
    }
}
