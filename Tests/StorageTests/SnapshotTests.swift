import Foundation
import Raft
import Storage
import Testing

@Suite("Snapshots")
struct SnapshotTests {
    /// A store with `keys` keys of 256-byte values, some overwritten and some deleted.
    static func populatedStore(_ path: String, keys: Int) throws -> MVCCStore {
        let store = try MVCCStore(path: path, mapSize: 1 << 30, quotaBytes: 512 << 20)
        var index: UInt64 = 0
        for start in stride(from: 0, to: keys, by: 1000) {
            index += 1
            try store.apply(index: index, term: 2) { batch in
                for i in start..<min(start + 1000, keys) {
                    _ = try batch.put(PutRequest(key: Array("key/\(String(format: "%08d", i))".utf8), value: Array(repeating: UInt8(i % 251), count: 256)))
                }
            }
        }
        index += 1
        try store.apply(index: index, term: 3) { batch in
            _ = try batch.deleteRange(DeleteRangeRequest(key: Array("key/00000000".utf8), rangeEnd: Array("key/00000100".utf8)))
            _ = try batch.put(PutRequest(key: Array("key/00000200".utf8), value: Array("changed".utf8)))
        }
        return store
    }

    static func everything(_ store: MVCCStore) throws -> RangeResponse {
        try store.range(RangeRequest(key: [0], rangeEnd: [0]))
    }

    @Test("a snapshot restores into a new data directory holding the same key space and a log after it")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        let store = try Self.populatedStore(dir.sub("source"), keys: 20_000)
        let header = try SnapshotFile.create(from: store, confState: ConfState(voters: [1, 2, 3]), to: dir.sub("snap"))
        #expect(header.keyCount == 19_900)
        #expect(header.raftIndex == 21 && header.raftTerm == 3)
        #expect(header.revision == 20_003)
        #expect(header.frameBytes < header.dataBytes / 3)

        let status = try SnapshotFile.status(dir.sub("snap"))
        #expect(status.isValid && status.header == header)
        #expect(status.fileBytes == header.encodedBytes + Int(header.frameBytes))

        try SnapshotFile.restore(dir.sub("snap"), into: dir.sub("restored"))
        let data = DataDirectory(dir.sub("restored"))
        let restored = try MVCCStore(path: data.statePath)
        #expect(try Self.everything(restored) == Self.everything(store))
        #expect(try restored.status().applied == (21, 3))
        let log = try LogStorage(path: data.raftPath)
        #expect(try log.firstIndex() == 22)
        #expect(try log.term(at: 21) == 3)
        #expect(try log.initialState().1 == ConfState(voters: [1, 2, 3]))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("restored.restoring")))
        #expect(throws: SnapshotError.destinationExists(dir.sub("restored"))) {
            try SnapshotFile.restore(dir.sub("snap"), into: dir.sub("restored"))
        }
    }

    @Test("the snapshot is one consistent state while writes go on")
    func consistentUnderWrites() async throws {
        let dir = TemporaryDirectory()
        let store = try Self.populatedStore(dir.sub("source"), keys: 5_000)
        let writer = Task.detached {
            for index in UInt64(100)..<UInt64(400) {
                try store.apply(index: index, term: 3) { batch in
                    _ = try batch.put(PutRequest(key: Array("busy/\(index % 17)".utf8), value: Array(repeating: 1, count: 100)))
                }
            }
        }
        var headers: [SnapshotHeader] = []
        for n in 0..<4 {
            headers.append(try SnapshotFile.create(from: store, confState: ConfState(voters: [1]), to: dir.sub("snap\(n)")))
        }
        try await writer.value
        for n in 0..<4 {
            // Restore checks that the copied state is the one the header names.
            try SnapshotFile.restore(dir.sub("snap\(n)"), into: dir.sub("restored\(n)"))
            let restored = try MVCCStore(path: DataDirectory(dir.sub("restored\(n)")).statePath)
            #expect(try restored.status().revision == headers[n].revision)
            restored.close()
        }
    }

    @Test("damaged, truncated and foreign files are refused and nothing is written")
    func refused() throws {
        let dir = TemporaryDirectory()
        let store = try Self.populatedStore(dir.sub("source"), keys: 3_000)
        let header = try SnapshotFile.create(from: store, confState: ConfState(voters: [1]), to: dir.sub("snap"))
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.sub("snap"))))

        func refuse(_ bytes: [UInt8], _ name: String, where matches: (SnapshotError) -> Bool) throws {
            let path = dir.sub(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                try SnapshotFile.restore(path, into: dir.sub(name + ".dir"))
                Issue.record("\(name) was restored")
            } catch let error as SnapshotError {
                #expect(matches(error), "\(name): \(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.sub(name + ".dir")))
            #expect(!FileManager.default.fileExists(atPath: dir.sub(name + ".dir.restoring")))
        }

        var damagedData = good
        damagedData[header.encodedBytes + Int(header.frameBytes) / 2] ^= 0x40
        try refuse(damagedData, "damaged-data") { if case .dataCorrupted = $0 { true } else { false } }
        #expect(try !SnapshotFile.status(dir.sub("damaged-data")).isValid)

        var damagedHeader = good
        damagedHeader[20] ^= 1
        try refuse(damagedHeader, "damaged-header") { $0 == .headerCorrupted }

        try refuse(Array(good.prefix(good.count - 1000)), "truncated") { if case .truncated = $0 { true } else { false } }
        try refuse(Array(good.prefix(10)), "stub") { $0 == .headerCorrupted }
        try refuse(Array("this is not a snapshot, just some text".utf8), "foreign") { $0 == .notASnapshot }
        try refuse(good + [1, 2, 3], "trailing") { if case .dataCorrupted = $0 { true } else { false } }
    }
}
