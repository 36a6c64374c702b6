import Foundation
@testable import Storage
import Synchronization
import Testing

@Suite("Defragment of the state environment")
struct DefragmentTests {
    static let mapSize = 256 << 20
    static let quota = 128 << 20

    static func key(_ i: Int) -> [UInt8] { Array(String(format: "defrag/%06d", i).utf8) }
    static let prefix = Array("defrag/".utf8)
    static let prefixEnd = Array("defrag0".utf8)

    /// 4,000 keys of 2 KB, most deleted and compacted away: a file of about 16 MB holding
    /// about 1 MB live. Returns the next free Raft index.
    static func fillDeleteCompact(_ store: MVCCStore) throws -> UInt64 {
        var index: UInt64 = 0
        let value = [UInt8](repeating: 0x5A, count: 2_000)
        for batchStart in stride(from: 0, to: 4_000, by: 100) {
            index += 1
            try store.apply(index: index, term: 1) { batch in
                for i in batchStart..<batchStart + 100 { _ = try batch.put(PutRequest(key: key(i), value: value)) }
            }
        }
        index += 1
        let revision = try store.apply(index: index, term: 1) { batch in
            _ = try batch.deleteRange(DeleteRangeRequest(key: key(200), rangeEnd: prefixEnd))
            return batch.revision
        }
        index += 1
        _ = try store.apply(index: index, term: 1) { batch in try batch.compact(revision) }
        while try store.compactStep() {}
        return index + 1
    }

    static func everything(_ store: MVCCStore) throws -> RangeResponse {
        try store.range(RangeRequest(key: prefix, rangeEnd: prefixEnd))
    }

    @Test("after deletes and a compaction the db size shrinks to about the pages in use; keys, revision, applied index stay and writes go on, also after a reopen")
    func shrinks() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota, sync: .atClose)
        var index = try Self.fillDeleteCompact(store)
        let before = store.sizeBytes()
        let live = try store.liveBytes()
        let status = try store.status()
        let contents = try Self.everything(store)
        #expect(contents.kvs.count == 200)
        #expect(before > 8 * live, "db size \(before) bytes, live \(live)")

        try store.defragment()

        let after = store.sizeBytes()
        #expect(after <= live + live / 2, "db size \(after) bytes after defragment, live \(live)")
        #expect(!FileSystem.exists(dir.sub(Environment.defragmentFileName)))
        let statusAfter = try store.status()
        #expect(statusAfter.revision == status.revision && statusAfter.compactRevision == status.compactRevision)
        #expect(statusAfter.applied == status.applied)
        #expect(try Self.everything(store) == contents)
        try store.apply(index: index, term: 2) { batch in _ = try batch.put(PutRequest(key: Self.key(9_999), value: Array("after".utf8))) }
        index += 1
        #expect(try store.range(RangeRequest(key: Self.key(9_999))).kvs.first?.value == Array("after".utf8))
        store.close()

        let reopened = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota, sync: .atClose)
        defer { reopened.close() }
        #expect(try reopened.status().applied == (index - 1, 2))
        #expect(try reopened.keyCount() == 201)
        #expect(try reopened.status().revision == status.revision + 1)
    }

    @Test("reads on other threads while writes and defragments alternate never fail and always see a whole write")
    func concurrentReads() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota)
        defer { store.close() }
        var index = try Self.fillDeleteCompact(store)
        let pair = (Array("pair/a".utf8), Array("pair/b".utf8))
        func writePair(_ n: Int) throws {
            try store.apply(index: index, term: 1) { batch in
                _ = try batch.put(PutRequest(key: pair.0, value: Array("\(n)".utf8)))
                _ = try batch.put(PutRequest(key: pair.1, value: Array("\(n)".utf8)))
            }
            index += 1
        }
        try writePair(0)

        let stop = Atomic(false)
        let failures = Mutex<[String]>([])
        let readsDone = Atomic(0)
        let group = DispatchGroup()
        for reader in 0..<3 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var last = 0
                while !stop.load(ordering: .relaxed) {
                    do {
                        let both = try store.range(RangeRequest(key: pair.0, rangeEnd: Array("pair/c".utf8)))
                        let values = both.kvs.map { Int(String(decoding: $0.value, as: UTF8.self)) ?? -1 }
                        guard values.count == 2, values[0] == values[1], values[0] >= last else {
                            failures.withLock { $0.append("reader \(reader) saw \(values) after \(last)") }
                            return
                        }
                        last = values[0]
                        if reader == 0 { _ = store.environment.usedBytes() }
                        if reader == 1, try Self.everything(store).kvs.count != 200 {
                            failures.withLock { $0.append("reader 1 lost keys") }
                            return
                        }
                        readsDone.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append("reader \(reader): \(error)") }
                        return
                    }
                }
            }
        }
        for n in 1...20 {
            try writePair(n)
            try store.defragment()
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(readsDone.load(ordering: .relaxed) > 0)
        #expect(try store.range(RangeRequest(key: pair.1)).kvs.first?.value == Array("20".utf8))
    }

    @Test("a copy left by a defragment that stopped before its rename is removed at open, and the old file is used")
    func leftoverRemoved() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota, sync: .atClose)
        _ = try Self.fillDeleteCompact(store)
        let contents = try Self.everything(store)
        store.close()
        let leftover = dir.sub(Environment.defragmentFileName)
        // A crash mid-copy leaves a part of a file; its bytes must never be read.
        try Data(repeating: 0xEE, count: 100_000).write(to: URL(fileURLWithPath: leftover))

        let reopened = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota, sync: .atClose)
        defer { reopened.close() }
        #expect(!FileSystem.exists(leftover))
        #expect(try Self.everything(reopened) == contents)
    }

    @Test("a defragment that cannot write its copy throws, leaves the file as it was, and the store keeps serving reads and writes")
    func failureKeepsOldFile() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: Self.mapSize, quotaBytes: Self.quota)
        defer { store.close() }
        let index = try Self.fillDeleteCompact(store)
        let before = store.sizeBytes()
        let contents = try Self.everything(store)
        // A directory where the copy goes: its open fails, as a full disk's write would.
        let blocker = dir.sub(Environment.defragmentFileName)
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)

        #expect(throws: StorageError.self) { try store.defragment() }

        #expect(store.sizeBytes() == before)
        #expect(try Self.everything(store) == contents)
        try store.apply(index: index, term: 1) { batch in _ = try batch.put(PutRequest(key: Self.key(0), value: Array("still".utf8))) }
        #expect(try store.range(RangeRequest(key: Self.key(0))).kvs.first?.value == Array("still".utf8))
        try FileManager.default.removeItem(atPath: blocker)
        try store.defragment()
        #expect(store.sizeBytes() < before / 4)
        #expect(try store.range(RangeRequest(key: Self.key(0))).kvs.first?.value == Array("still".utf8))
    }
}
