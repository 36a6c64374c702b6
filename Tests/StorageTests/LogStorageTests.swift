import Raft
import Storage
import Testing

@Suite("Log environment")
struct LogStorageTests {
    static func entries(_ range: ClosedRange<UInt64>, term: UInt64, payload: Int = 10) -> [Entry] {
        range.map { Entry(term: term, index: $0, data: Array(repeating: UInt8(truncatingIfNeeded: $0), count: payload)) }
    }

    @Test("appended entries and hard state survive a reopen")
    func appendAndReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let log = try LogStorage(path: dir.path, initialConfState: ConfState(voters: [1, 2, 3]))
            try log.save(entries: Self.entries(1...100, term: 1), hardState: HardState(term: 1, vote: 1, commit: 50))
            #expect(try log.lastIndex() == 100)
            log.close()
        }
        let log = try LogStorage(path: dir.path)
        let (hardState, confState) = try log.initialState()
        #expect(hardState == HardState(term: 1, vote: 1, commit: 50))
        #expect(confState == ConfState(voters: [1, 2, 3]))
        #expect(try log.firstIndex() == 1)
        #expect(try log.lastIndex() == 100)
        #expect(try log.entries(from: 1, to: 101, maxBytes: .max) == Self.entries(1...100, term: 1))
        #expect(try log.term(at: 0) == 0)
        #expect(throws: RaftStorageError.unavailable) { try log.term(at: 101) }
    }

    @Test("a conflicting append truncates the suffix in the same transaction")
    func truncateConflictingSuffix() throws {
        let dir = TemporaryDirectory()
        let log = try LogStorage(path: dir.path)
        try log.append(Self.entries(1...10, term: 1))
        try log.append(Self.entries(6...7, term: 2))
        #expect(try log.lastIndex() == 7)
        #expect(try log.term(at: 5) == 1)
        #expect(try log.term(at: 6) == 2)
        #expect(throws: RaftStorageError.unavailable) { try log.term(at: 8) }
        log.close()
        let reopened = try LogStorage(path: dir.path)
        #expect(try reopened.lastIndex() == 7)
        #expect(try reopened.entries(from: 1, to: 8, maxBytes: .max).map(\.term) == [1, 1, 1, 1, 1, 2, 2])
    }

    @Test("compaction drops a prefix and keeps the term of the compaction point")
    func compactPrefix() throws {
        let dir = TemporaryDirectory()
        do {
            let log = try LogStorage(path: dir.path)
            try log.append(Self.entries(1...20, term: 3))
            try log.compact(upTo: 12)
            #expect(throws: RaftStorageError.compacted) { try log.compact(upTo: 12) }
            log.close()
        }
        let log = try LogStorage(path: dir.path)
        #expect(try log.firstIndex() == 13)
        #expect(try log.term(at: 12) == 3)
        #expect(throws: RaftStorageError.compacted) { try log.term(at: 11) }
        #expect(throws: RaftStorageError.compacted) { try log.entries(from: 12, to: 14, maxBytes: .max) }
        #expect(try log.entries(from: 13, to: 21, maxBytes: .max).count == 8)
        // maxBytes returns at least one entry, then only what fits.
        #expect(try log.entries(from: 13, to: 21, maxBytes: 0).count == 1)
        #expect(try log.entries(from: 13, to: 21, maxBytes: 2 * 34).count == 2)
    }

    @Test("an applied snapshot replaces the log and survives a reopen")
    func applySnapshot() throws {
        let dir = TemporaryDirectory()
        do {
            let log = try LogStorage(path: dir.path)
            try log.append(Self.entries(1...5, term: 1))
            let snapshot = Snapshot(metadata: SnapshotMetadata(index: 40, term: 4, confState: ConfState(voters: [1], learners: [9])), data: [7, 7])
            try log.applySnapshot(snapshot)
            #expect(throws: RaftStorageError.snapshotOutOfDate) { try log.applySnapshot(snapshot) }
            try log.append(Self.entries(41...42, term: 4))
            log.close()
        }
        let log = try LogStorage(path: dir.path)
        #expect(try log.firstIndex() == 41)
        #expect(try log.lastIndex() == 42)
        #expect(try log.term(at: 40) == 4)
        #expect(try log.snapshot().data == [7, 7])
        #expect(try log.initialState().1 == ConfState(voters: [1], learners: [9]))
    }

    @Test("random operation sequences match MemoryStorage, across reopens", arguments: [1, 2, 3, 4] as [UInt64])
    func equivalenceWithMemoryStorage(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory()
        let memory = MemoryStorage()
        var log = try LogStorage(path: dir.path, walSegmentBytes: 4096)
        var term: UInt64 = 1
        for step in 0..<400 {
            let first = try memory.firstIndex()
            let last = try memory.lastIndex()
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45:
                // Append at any point from just after the compaction point to just after the end.
                let start = UInt64.random(in: (first - 1 == 0 ? 1 : first - 1)...(last + 1), using: &random)
                if Int.random(in: 0..<4, using: &random) == 0 { term += 1 }
                let batch = Self.entries(start...(start + UInt64.random(in: 0..<20, using: &random)), term: term, payload: Int.random(in: 0..<64, using: &random))
                memory.append(batch)
                try log.append(batch)
            case 45..<60:
                let state = HardState(term: term, vote: UInt64.random(in: 0...3, using: &random), commit: UInt64.random(in: 0...last, using: &random))
                memory.setHardState(state)
                try log.setHardState(state)
            case 60..<70 where last >= first:
                let index = UInt64.random(in: first...last, using: &random)
                try memory.compact(upTo: index)
                try log.compact(upTo: index)
            case 70..<78 where last >= first:
                let index = UInt64.random(in: first...last, using: &random)
                let conf = ConfState(voters: [1, UInt64(step % 5 + 2)])
                let expected = Result { try memory.createSnapshot(at: index, confState: conf, data: [UInt8(step % 256)]) }
                let actual = Result { try log.createSnapshot(at: index, confState: conf, data: [UInt8(step % 256)]) }
                #expect(String(describing: expected) == String(describing: actual))
            case 78..<82:
                term += 1
                let snapshot = Snapshot(metadata: SnapshotMetadata(index: last + UInt64.random(in: 0...5, using: &random), term: term, confState: ConfState(voters: [1])))
                let expected = Result { try memory.applySnapshot(snapshot) }
                let actual = Result { try log.applySnapshot(snapshot) }
                #expect(String(describing: expected) == String(describing: actual))
            case 82..<90:
                log.close()
                log = try LogStorage(path: dir.path, walSegmentBytes: 4096)
            default:
                break
            }
            try expectSameReads(memory, log, random: &random)
        }
        log.close()
    }

    private func expectSameReads(_ memory: MemoryStorage, _ log: LogStorage, random: inout SeededGenerator) throws {
        #expect(try memory.firstIndex() == log.firstIndex())
        #expect(try memory.lastIndex() == log.lastIndex())
        #expect(try memory.initialState() == log.initialState())
        #expect(try memory.snapshot() == log.snapshot())
        let first = try memory.firstIndex()
        let last = try memory.lastIndex()
        for index in (first > 2 ? first - 2 : 0)...(last + 1) {
            let expected = Result { try memory.term(at: index) }
            let actual = Result { try log.term(at: index) }
            #expect(String(describing: expected) == String(describing: actual), "term(at: \(index))")
        }
        if last >= first {
            let low = UInt64.random(in: first...last, using: &random)
            let high = UInt64.random(in: low...(last + 1), using: &random)
            let maxBytes = Int.random(in: 0..<400, using: &random)
            #expect(try memory.entries(from: low, to: high, maxBytes: maxBytes) == log.entries(from: low, to: high, maxBytes: maxBytes))
        }
    }
}
