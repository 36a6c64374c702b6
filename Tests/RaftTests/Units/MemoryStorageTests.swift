import Testing
@testable import Raft

@Suite("MemoryStorage, the reference storage")
struct MemoryStorageTests {
    @Test("append overwrites from the first new index; compaction keeps the term of its index")
    func appendAndCompact() throws {
        let storage = MemoryStorage()
        storage.append((1...10).map { Entry(term: 1, index: $0) })
        storage.append([Entry(term: 2, index: 6), Entry(term: 2, index: 7)])
        #expect(try storage.lastIndex() == 7)
        #expect(try storage.term(at: 6) == 2)
        try storage.createSnapshot(at: 5, confState: ConfState(voters: [1]), data: [1])
        try storage.compact(upTo: 5)
        #expect(try storage.firstIndex() == 6)
        #expect(try storage.term(at: 5) == 1)
        #expect(throws: RaftStorageError.compacted) { try storage.term(at: 4) }
        #expect(throws: RaftStorageError.unavailable) { try storage.term(at: 8) }
        #expect(throws: RaftStorageError.compacted) { try storage.entries(from: 5, to: 7, maxBytes: .max) }
        #expect(try storage.entries(from: 6, to: 8, maxBytes: 0).count == 1, "at least one entry")
    }

    @Test("the log slice limit counts bytes, never returning less than one entry")
    func sizeLimit() {
        let entries = (1...5).map { Entry(term: 1, index: UInt64($0), data: [UInt8](repeating: 0, count: 76)) }
        #expect(limitedBySize(entries, maxBytes: 250).count == 2)
        #expect(limitedBySize(entries, maxBytes: 1).count == 1)
        #expect(limitedBySize(entries, maxBytes: .max).count == 5)
    }
}
