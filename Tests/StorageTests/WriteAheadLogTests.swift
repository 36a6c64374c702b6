import Foundation
import Raft
@testable import Storage
import Testing

@Suite("Write-ahead log")
struct WriteAheadLogTests {
    static func payload(_ sequence: UInt64, bytes: Int = 100) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ $0) }
    }

    @Test("records come back in order after a reopen, across segment files")
    func recordsSurviveReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let (wal, recovered) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
            #expect(recovered.isEmpty)
            for sequence in 1...100 as ClosedRange<UInt64> { #expect(try wal.append(Self.payload(sequence)) == sequence) }
            wal.close()
        }
        #expect(try FileSystem.list(dir.path).filter { $0.hasSuffix(".wal") }.count > 2)
        let (wal, recovered) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
        #expect(recovered.map(\.sequence) == Array(1...100))
        #expect(recovered.allSatisfy { $0.payload == Self.payload($0.sequence) })
        // Appending continues the sequence.
        #expect(try wal.append([1]) == 101)
    }

    @Test("only the records after the durable sequence are returned, and released segments are reused")
    func durableRecordsSkippedAndSegmentsReused() throws {
        let dir = TemporaryDirectory()
        do {
            let (wal, _) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
            for sequence in 1...100 as ClosedRange<UInt64> { try wal.append(Self.payload(sequence)) }
            wal.release(through: 60)
            // The released segments are gone but one, kept for reuse.
            #expect(try FileSystem.list(dir.path).contains("spare"))
            for sequence in 101...200 as ClosedRange<UInt64> { try wal.append(Self.payload(sequence)) }
            wal.close()
        }
        let (_, recovered) = try WriteAheadLog.open(directory: dir.path, after: 150, segmentBytes: 4096)
        #expect(recovered.map(\.sequence) == Array(151...200))
        #expect(recovered.allSatisfy { $0.payload == Self.payload($0.sequence) })
    }

    @Test("a torn last record ends the log: the records before it are kept")
    func tornRecordEndsTheLog() throws {
        let dir = TemporaryDirectory()
        let segment: String
        do {
            let (wal, _) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 1 << 20)
            for sequence in 1...10 as ClosedRange<UInt64> { try wal.append(Self.payload(sequence)) }
            wal.close()
            segment = dir.path + "/" + WriteAheadLog.segmentName(1)
        }
        // Damage a byte of the tenth record's payload, as a write cut by a power loss would.
        let fd = open(segment, O_WRONLY)
        var byte: UInt8 = 0xFF
        let offset = 9 * (WriteAheadLog.headerBytes + 100) + WriteAheadLog.headerBytes + 50
        #expect(pwrite(fd, &byte, 1, off_t(offset)) == 1)
        close(fd)
        let (wal, recovered) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 1 << 20)
        #expect(recovered.map(\.sequence) == Array(1...9))
        #expect(try wal.append([7]) == 10)
    }

    @Test("a record larger than a segment gets a segment of its own")
    func oversizeRecord() throws {
        let dir = TemporaryDirectory()
        do {
            let (wal, _) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
            try wal.append(Self.payload(1))
            try wal.append(Self.payload(2, bytes: 20_000))
            try wal.append(Self.payload(3))
            wal.close()
        }
        let (_, recovered) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
        #expect(recovered.map(\.payload.count) == [100, 20_000, 100])
    }

    @Test("a missing segment is reported as corruption, not skipped")
    func missingSegmentIsCorruption() throws {
        let dir = TemporaryDirectory()
        do {
            let (wal, _) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
            for sequence in 1...100 as ClosedRange<UInt64> { try wal.append(Self.payload(sequence)) }
            wal.close()
        }
        let segments = try FileSystem.list(dir.path).filter { $0.hasSuffix(".wal") }.sorted()
        unlink(dir.path + "/" + segments[1])
        #expect(throws: StorageError.self) { try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096) }
    }

    @Test("a log reopened after appends that were never flushed to LMDB holds them")
    func logRecoversUnflushedWrites() throws {
        let dir = TemporaryDirectory()
        do {
            let log = try LogStorage(path: dir.path)
            try log.save(entries: LogStorageTests.entries(1...50, term: 2), hardState: HardState(term: 2, vote: 1, commit: 40))
            log.close()
        }
        // Put the LMDB environment back to before the writes' flush: drop its record of them by
        // replaying into a fresh environment from the write-ahead log alone.
        try FileManager.default.removeItem(atPath: dir.path + "/data.mdb")
        try FileManager.default.removeItem(atPath: dir.path + "/lock.mdb")
        let log = try LogStorage(path: dir.path)
        #expect(try log.lastIndex() == 50)
        #expect(try log.initialState().0 == HardState(term: 2, vote: 1, commit: 40))
        #expect(try log.entries(from: 1, to: 51, maxBytes: .max) == LogStorageTests.entries(1...50, term: 2))
    }

    @Test("a hard state saved without a sync (only the commit index moved) is there after a reopen in the same boot")
    func unsyncedCommitIndex() throws {
        let dir = TemporaryDirectory()
        do {
            let log = try LogStorage(path: dir.path)
            try log.save(entries: LogStorageTests.entries(1...5, term: 1), hardState: HardState(term: 1, vote: 1, commit: 0))
            try log.save(entries: [], hardState: HardState(term: 1, vote: 1, commit: 5), sync: false)
            #expect(try log.initialState().0.commit == 5)
            log.close()
        }
        let log = try LogStorage(path: dir.path)
        #expect(try log.initialState().0 == HardState(term: 1, vote: 1, commit: 5))
    }

    @Test("a segment file left half-allocated by a crash is removed at open, not taken for damage")
    func leftoverAllocationRemoved() throws {
        let dir = TemporaryDirectory()
        do {
            let (wal, _) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
            for sequence in 1...5 as ClosedRange<UInt64> { try wal.append(Self.payload(sequence)) }
            wal.close()
        }
        let leftover = dir.path + "/" + WriteAheadLog.segmentName(6) + ".tmp"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data(count: 100)))
        let (_, recovered) = try WriteAheadLog.open(directory: dir.path, after: 0, segmentBytes: 4096)
        #expect(recovered.map(\.sequence) == Array(1...5))
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }
}
