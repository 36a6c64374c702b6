import Foundation
import Raft
import Storage
import Testing

@Suite("Installing a snapshot into a live state environment")
struct SnapshotInstallTests {
    @Test("installing replaces the whole key space and the applied index in one step, and a read that began before still sees the old state")
    func replacesEverything() throws {
        let dir = TemporaryDirectory()
        let source = try SnapshotTests.populatedStore(dir.sub("source"), keys: 3_000)
        try source.apply(index: 40, term: 4) { batch in _ = try batch.compact(2_000) }
        try SnapshotFile.create(from: source, confState: ConfState(voters: [1, 2, 3]), to: dir.sub("file.snap"))

        let target = try MVCCStore(path: dir.sub("target"), mapSize: 1 << 30, quotaBytes: 512 << 20)
        try target.apply(index: 5, term: 1) { batch in
            _ = try batch.put(PutRequest(key: Array("only/in/target".utf8), value: Array("old".utf8)))
        }
        let kv = target.environment.database("kv")
        let seenByEarlierReader = try target.environment.read { txn in
            // A read transaction held across the installation, as a reader on an event loop may.
            let header = try target.install(snapshot: dir.sub("file.snap"), scratchDirectory: dir.sub("scratch"))
            #expect(header.raftIndex == 40)
            return try txn.statistics(kv).entries
        }
        #expect(seenByEarlierReader == 1)
        #expect(try SnapshotTests.everything(target) == SnapshotTests.everything(source))
        #expect(try target.status().applied == (40, 4))
        #expect(try target.status().compactRevision == 2_000)
        #expect(try target.hashKV(revision: 0) == source.hashKV(revision: 0))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("scratch")))

        // The next entry applies after the snapshot's index.
        try target.apply(index: 41, term: 4) { batch in _ = try batch.put(PutRequest(key: Array("after".utf8), value: [1])) }
        #expect(try target.status().applied == (41, 4))
    }

    @Test("a damaged file or one not newer than the applied index is refused and leaves the state untouched")
    func refusals() throws {
        let dir = TemporaryDirectory()
        let source = try SnapshotTests.populatedStore(dir.sub("source"), keys: 500)
        try SnapshotFile.create(from: source, confState: ConfState(voters: [1]), to: dir.sub("file.snap"))
        var bytes = try SnapshotFile.contents(of: dir.sub("file.snap"))
        bytes[bytes.count - 100] ^= 0xFF
        #expect(throws: SnapshotError.self) { try SnapshotFile.save(bytes, to: dir.sub("damaged.snap")) }
        #expect(!FileManager.default.fileExists(atPath: dir.sub("damaged.snap")))
        #expect(FileManager.default.createFile(atPath: dir.sub("damaged.snap"), contents: Data(bytes)))

        let target = try MVCCStore(path: dir.sub("target"), mapSize: 1 << 30, quotaBytes: 512 << 20)
        try target.apply(index: 3, term: 1) { batch in _ = try batch.put(PutRequest(key: Array("mine".utf8), value: [7])) }
        let before = try target.hashKV(revision: 0)
        #expect(throws: SnapshotError.self) { try target.install(snapshot: dir.sub("damaged.snap"), scratchDirectory: dir.sub("scratch")) }
        #expect(try target.hashKV(revision: 0) == before && target.status().applied == (3, 1))

        try target.apply(index: 100, term: 5) { batch in _ = try batch.put(PutRequest(key: Array("mine".utf8), value: [8])) }
        #expect(throws: SnapshotError.self) { try target.install(snapshot: dir.sub("file.snap"), scratchDirectory: dir.sub("scratch")) }
        #expect(try target.status().applied == (100, 5))
    }
}
