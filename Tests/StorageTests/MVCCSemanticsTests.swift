import Storage
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// etcd's key-space rules, one scenario each, with etcd's exact error text.
@Suite("MVCC semantics")
struct MVCCSemanticsTests {
    final class Fixture {
        let dir = TemporaryDirectory()
        let store: MVCCStore
        var index: UInt64 = 0

        init() throws { store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20) }

        func apply<R>(_ body: (inout MVCCWriteBatch) throws -> R) throws -> R {
            index += 1
            return try store.apply(index: index, term: 1, body)
        }

        func get(_ key: String, revision: Int64 = 0) throws -> KeyValue? {
            try store.range(RangeRequest(key: b(key), revision: revision)).kvs.first
        }
    }

    @Test("a put after a delete starts again at version 1 with a new create revision")
    func versionsAfterDelete() throws {
        let f = try Fixture()
        _ = try f.apply { try $0.put(PutRequest(key: b("a"), value: b("1"))) }
        _ = try f.apply { try $0.put(PutRequest(key: b("a"), value: b("2"))) }
        #expect(try f.get("a") == KeyValue(key: b("a"), createRevision: 2, modRevision: 3, version: 2, value: b("2")))
        let deleted = try f.apply { try $0.deleteRange(DeleteRangeRequest(key: b("a"), prevKV: true)) }
        #expect(deleted.deleted == 1 && deleted.revision == 4 && deleted.prevKVs.first?.value == b("2"))
        _ = try f.apply { try $0.put(PutRequest(key: b("a"), value: b("3"))) }
        #expect(try f.get("a") == KeyValue(key: b("a"), createRevision: 5, modRevision: 5, version: 1, value: b("3")))
        #expect(try f.get("a", revision: 3)?.value == b("2"))
        #expect(try f.get("a", revision: 4) == nil)
    }

    @Test("a Txn with writes is one revision; its changes are sub-revisions in order")
    func txnSubRevisions() throws {
        let f = try Fixture()
        let response = try f.apply {
            try $0.txn(TxnRequest(success: [
                .put(PutRequest(key: b("x"), value: b("1"))), .put(PutRequest(key: b("y"), value: b("2"))),
                .deleteRange(DeleteRangeRequest(key: b("z"))), .put(PutRequest(key: b("z2"), value: b("3"))),
            ]))
        }
        #expect(response.revision == 2 && response.succeeded)
        let events = try f.store.events(from: 1, limit: 10)
        #expect(events.map(\.revision) == [Revision(main: 2, sub: 0), Revision(main: 2, sub: 1), Revision(main: 2, sub: 2)])
        #expect(events.map(\.kv.key) == [b("x"), b("y"), b("z2")])
    }

    @Test("requests that change nothing keep the revision")
    func noChangeNoRevision() throws {
        let f = try Fixture()
        _ = try f.apply { try $0.put(PutRequest(key: b("a"), value: b("1"))) }
        let deleted = try f.apply { try $0.deleteRange(DeleteRangeRequest(key: b("missing"))) }
        #expect(deleted.deleted == 0 && deleted.revision == 2)
        let readOnly = try f.apply { try $0.txn(TxnRequest(success: [.range(RangeRequest(key: b("a")))])) }
        #expect(readOnly.revision == 2)
        #expect(try f.store.status().revision == 2)
    }

    @Test("reads below the compaction revision and above the current one fail with etcd's messages")
    func compactedAndFuture() throws {
        let f = try Fixture()
        for i in 0..<5 { _ = try f.apply { try $0.put(PutRequest(key: b("k"), value: b("\(i)"))) } }
        _ = try f.apply { try $0.compact(4) }
        #expect(throws: MVCCError.compacted) { try f.store.range(RangeRequest(key: b("k"), revision: 3)) }
        #expect(throws: MVCCError.futureRevision) { try f.store.range(RangeRequest(key: b("k"), revision: 7)) }
        #expect(try f.get("k", revision: 4)?.value == b("2"))
        #expect("\(MVCCError.compacted)" == "etcdserver: mvcc: required revision has been compacted")
        #expect("\(MVCCError.futureRevision)" == "etcdserver: mvcc: required revision is a future revision")
        #expect(throws: MVCCError.compacted) { try f.apply { try $0.compact(4) } }
        #expect(throws: MVCCError.compacted) { try f.store.events(from: 3, limit: 1) }
        while try f.store.compactStep(batchMax: 1) {}
        #expect(try f.get("k", revision: 4)?.value == b("2"))
        #expect(try f.store.events(from: 4, limit: 10).map(\.revision.main) == [4, 5, 6])
    }

    @Test("a fresh key space is at revision 1 and the first write makes revision 2, as in etcd")
    func freshRevision() throws {
        let f = try Fixture()
        #expect(try f.store.status().revision == 1 && f.store.status().compactRevision == 0)
        let empty = try f.store.range(RangeRequest(key: b("x")))
        #expect(empty.revision == 1 && empty.kvs.isEmpty)
        #expect(try f.store.range(RangeRequest(key: b("x"), revision: 1)).revision == 1)
        #expect(throws: MVCCError.futureRevision) { try f.store.range(RangeRequest(key: b("x"), revision: 2)) }
        #expect(throws: MVCCError.futureRevision) { try f.apply { try $0.compact(2) } }
        // etcd compacts revision 1 of a fresh store, and then refuses it as compacted.
        #expect(try f.apply { try $0.compact(1) } == 1)
        #expect(throws: MVCCError.compacted) { try f.apply { try $0.compact(1) } }
        while try f.store.compactStep(batchMax: 1) {}
        #expect(try f.store.range(RangeRequest(key: b("x"), revision: 1)).revision == 1)
        // Batches that change nothing keep revision 1, on disk too.
        #expect(try f.store.status().revision == 1)
        #expect(try f.apply { try $0.put(PutRequest(key: b("x"), value: b("1"))) }.revision == 2)
        #expect(try f.get("x") == KeyValue(key: b("x"), createRevision: 2, modRevision: 2, version: 1, value: b("1")))
        #expect(try f.store.events(from: 2, limit: 10).map(\.revision) == [Revision(main: 2)])
        _ = try f.apply { try $0.compact(2) }
        #expect(throws: MVCCError.compacted) { try f.store.range(RangeRequest(key: b("x"), revision: 1)) }
    }

    @Test("compaction in small steps handles one revision with more changes than a step takes")
    func compactLargeRevision() throws {
        let f = try Fixture()
        _ = try f.apply { batch in
            for i in 0..<3000 { _ = try batch.put(PutRequest(key: b("big/\(i)"), value: [UInt8](repeating: 1, count: 100))) }
        }
        let deleted = try f.apply { try $0.deleteRange(DeleteRangeRequest(key: b("big/"), rangeEnd: b("big0"))) }
        #expect(deleted.deleted == 3000)
        _ = try f.apply { try $0.put(PutRequest(key: b("kept"), value: b("v"))) }
        _ = try f.apply { try $0.compact(deleted.revision) }
        var steps = 0
        while try f.store.compactStep(batchMax: 100) { steps += 1 }
        #expect(steps > 10)
        // Every put was superseded by the delete, and the tombstones go too: only `kept` is left.
        #expect(try f.store.events(from: deleted.revision, limit: .max).map(\.kv.key) == [b("kept")])
        #expect(try f.store.range(RangeRequest(key: b("big/"), rangeEnd: b("big0"), revision: deleted.revision, countOnly: true)).count == 0)
    }

    @Test("the duplicate-key check follows etcd's checkIntervals")
    func duplicateKeys() throws {
        let put = { (k: String) in RequestOp.put(PutRequest(key: b(k), value: [])) }
        let del = { (k: String, end: String) in RequestOp.deleteRange(DeleteRangeRequest(key: b(k), rangeEnd: b(end))) }
        #expect(throws: MVCCError.duplicateKey) { try TxnRequest(success: [put("a"), put("a")]).validate() }
        #expect(throws: MVCCError.duplicateKey) { try TxnRequest(success: [del("a", "c"), put("b")]).validate() }
        #expect(throws: MVCCError.duplicateKey) { try TxnRequest(success: [put("a"), .txn(TxnRequest(success: [put("a")]))]).validate() }
        // The same key in both branches of a nested Txn: only one of them runs.
        try TxnRequest(success: [.txn(TxnRequest(success: [put("a")], failure: [put("a")]))]).validate()
        // Success and failure are checked apart.
        try TxnRequest(success: [put("a")], failure: [put("a")]).validate()
        // etcd's interval check does not see a from-key delete.
        try TxnRequest(success: [del("a", "\0"), put("b")]).validate()
        #expect("\(MVCCError.duplicateKey)" == "etcdserver: duplicate key given in txn request")
        #expect(throws: MVCCError.tooManyOperations) { try TxnRequest(success: Array(repeating: .range(RangeRequest(key: b("a"))), count: 129)).validate() }
        #expect(throws: MVCCError.emptyKey) { try TxnRequest(compare: [Compare(key: [], target: .version(0), result: .equal)]).validate() }
        let long = [UInt8](repeating: 1, count: Limits.keyBytesMax + 1)
        #expect(throws: MVCCError.keyTooLong) { try PutRequest(key: long, value: []).validate() }
        #expect(throws: MVCCError.keyTooLong) { try RangeRequest(key: long).validate() }
        try PutRequest(key: Array(long.dropLast()), value: []).validate()
    }

    @Test("a put keeping the value of a key a from-key delete removed earlier in the Txn is refused, not applied")
    func ignoreValueAfterFromKeyDelete() throws {
        let f = try Fixture()
        _ = try f.apply { try $0.put(PutRequest(key: b("b"), value: b("1"))) }
        #expect(throws: MVCCError.keyNotFound) {
            try f.apply { try $0.txn(TxnRequest(success: [
                .deleteRange(DeleteRangeRequest(key: b("a"), rangeEnd: [0])),
                .put(PutRequest(key: b("b"), value: [], ignoreValue: true)),
            ])) }
        }
        #expect(try f.get("b")?.value == b("1"))
        #expect(try f.store.status().revision == 2)
    }

    @Test("the lease index follows puts, lease changes and deletes")
    func leaseIndex() throws {
        let f = try Fixture()
        _ = try f.apply { batch in
            _ = try batch.put(PutRequest(key: b("a"), value: [], lease: 7))
            _ = try batch.put(PutRequest(key: b("b"), value: [], lease: 7))
            _ = try batch.put(PutRequest(key: b("c"), value: [], lease: 8))
        }
        #expect(try f.store.keys(attachedTo: 7) == [b("a"), b("b")])
        _ = try f.apply { try $0.put(PutRequest(key: b("a"), value: [], lease: 8)) }
        _ = try f.apply { try $0.put(PutRequest(key: b("c"), value: b("v"), ignoreLease: true)) }
        _ = try f.apply { try $0.deleteRange(DeleteRangeRequest(key: b("b"))) }
        #expect(try f.store.keys(attachedTo: 7) == [])
        #expect(try f.store.keys(attachedTo: 8) == [b("a"), b("c")])
        #expect(throws: MVCCError.keyNotFound) { try f.apply { try $0.put(PutRequest(key: b("zz"), value: [], ignoreLease: true)) } }
        #expect(throws: MVCCError.leaseProvided) { try f.apply { try $0.put(PutRequest(key: b("a"), value: [], lease: 1, ignoreLease: true)) } }
    }

    @Test("keys of the longest length allowed are read at older revisions too")
    func longestKeys() throws {
        let f = try Fixture()
        let long = { (c: UInt8) in [UInt8](repeating: c, count: Limits.keyBytesMax) }
        _ = try f.apply { batch in
            _ = try batch.put(PutRequest(key: long(1), value: b("a")))
            _ = try batch.put(PutRequest(key: long(2), value: b("b")))
        }
        _ = try f.apply { try $0.put(PutRequest(key: long(1), value: b("c"))) }
        let old = try f.store.range(RangeRequest(key: [0], rangeEnd: [0], revision: 3))
        #expect(old.kvs.map(\.value) == [b("a"), b("b")])
        #expect(try f.store.range(RangeRequest(key: [0], rangeEnd: [0])).kvs.map(\.value) == [b("c"), b("b")])
    }

    @Test("a reopened store serves at once from disk")
    func reopen() throws {
        let dir = TemporaryDirectory()
        do {
            let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20)
            try store.apply(index: 5, term: 2) { _ = try $0.put(PutRequest(key: b("a"), value: b("1"))) }
            store.close()
        }
        let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20)
        #expect(try store.range(RangeRequest(key: b("a"))).kvs.first?.value == b("1"))
        let status = try store.status()
        #expect(status.revision == 2 && status.applied == (5, 2))
    }
}
