import Raft
import Storage
import Testing

@Suite("Space quota")
struct QuotaTests {
    static func key(_ i: Int) -> [UInt8] { Array("quota/\(i)".utf8) }

    @Test("the quota refuses writes with etcd's error, keeps every earlier write, serves reads and deletes, and clears once space is freed")
    func quota() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 8 << 20, quotaBytes: 2 << 20)
        let value = [UInt8](repeating: 7, count: 1000)
        var written = 0
        var index: UInt64 = 0
        var refusal: (any Error)?
        while refusal == nil {
            do {
                try store.checkQuota(requestBytes: 10 * value.count)
            } catch {
                refusal = error
                break
            }
            index += 1
            try store.apply(index: index, term: 1) { batch in
                for _ in 0..<10 {
                    _ = try batch.put(PutRequest(key: Self.key(written), value: value))
                    written += 1
                }
            }
        }
        #expect(refusal as? StorageError == .spaceExceeded)
        #expect("\(refusal!)" == "etcdserver: mvcc: database space exceeded")
        #expect(written > 500)

        let all = try store.range(RangeRequest(key: Array("quota/".utf8), rangeEnd: Array("quota0".utf8), countOnly: true))
        #expect(all.count == Int64(written))
        #expect(try store.range(RangeRequest(key: Self.key(0))).kvs.first?.value == value)

        // Deletes run above the quota: it is below the map size on purpose.
        index += 1
        let revision = try store.apply(index: index, term: 1) { batch in
            _ = try batch.deleteRange(DeleteRangeRequest(key: Array("quota/".utf8), rangeEnd: Array("quota0".utf8)))
            return batch.revision
        }
        // The history still holds every value until it is compacted.
        #expect(throws: StorageError.spaceExceeded) { try store.checkQuota(requestBytes: 10 * value.count) }
        index += 1
        _ = try store.apply(index: index, term: 1) { batch in try batch.compact(revision) }
        while try store.compactStep() {}
        try store.checkQuota(requestBytes: 10 * value.count)
    }

    @Test("a full map aborts the batch whole, keeps what was committed, and the environment goes on")
    func mapFull() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 2 << 20, quotaBytes: 1 << 20)
        let value = [UInt8](repeating: 9, count: 100_000)
        var index: UInt64 = 0
        var failure: (any Error)?
        while failure == nil {
            do {
                try store.apply(index: index + 1, term: 1) { batch in
                    _ = try batch.put(PutRequest(key: Self.key(Int(index)), value: value))
                }
                index += 1
            } catch {
                failure = error
            }
        }
        #expect(failure as? StorageError == .spaceExceeded)
        let status = try store.status()
        #expect(status.applied.index == index)
        #expect(status.revision == Int64(index) + 1)
        #expect(try store.range(RangeRequest(key: Self.key(0))).kvs.first?.value == value)
        #expect(try store.range(RangeRequest(key: Self.key(Int(index)))).kvs.isEmpty)
        let deleted = try store.apply(index: index + 1, term: 1) { batch in
            try batch.deleteRange(DeleteRangeRequest(key: Self.key(0)))
        }
        #expect(deleted.deleted == 1)
    }

    @Test("a full log map refuses the append and keeps the log as it was")
    func logMapFull() throws {
        let dir = TemporaryDirectory()
        let log = try LogStorage(path: dir.path, mapSize: 1 << 20)
        var last: UInt64 = 0
        var failure: (any Error)?
        while failure == nil {
            do {
                try log.append([Entry(term: 1, index: last + 1, data: [UInt8](repeating: 1, count: 50_000))])
                last += 1
            } catch {
                failure = error
            }
        }
        #expect(failure as? StorageError == .spaceExceeded)
        #expect(try log.lastIndex() == last)
        log.close()
        #expect(try LogStorage(path: dir.path, mapSize: 1 << 20).lastIndex() == last)
    }
}
