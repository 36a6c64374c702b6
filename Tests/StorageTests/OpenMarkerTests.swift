import Foundation
@testable import Storage
import Testing

@Suite("State environment synced at close")
struct OpenMarkerTests {
    static func putOne(_ store: MVCCStore, index: UInt64) throws {
        try store.apply(index: index, term: 1) { batch in
            _ = try batch.put(PutRequest(key: Array("k\(index)".utf8), value: Array("v".utf8)))
        }
    }

    @Test("a clean close syncs and removes the marker; the data is there at the next open")
    func cleanClose() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        #expect(FileSystem.exists(OpenMarker.path(dir.path)))
        try Self.putOne(store, index: 1)
        store.close()
        #expect(!FileSystem.exists(OpenMarker.path(dir.path)))
        let reopened = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        #expect(!reopened.wasDiscarded)
        #expect(try reopened.status().applied.index == 1)
        reopened.close()
    }

    @Test("a marker left in this boot (a process crash) keeps the environment: its pages were in the OS's cache")
    func processCrashKeepsState() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        try Self.putOne(store, index: 1)
        store.environment.close()  // as a killed process leaves it: no sync, the marker stays
        let reopened = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        #expect(!reopened.wasDiscarded)
        #expect(try reopened.status().applied.index == 1)
        reopened.close()
    }

    @Test("a marker from another boot (an OS crash) discards the environment, for the host to rebuild it")
    func osCrashDiscardsState() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        try Self.putOne(store, index: 1)
        store.environment.close()
        try Array("00000000-another-boot".utf8).withUnsafeBytes { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: OpenMarker.path(dir.path)))
        }
        let reopened = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20, sync: .atClose)
        #expect(reopened.wasDiscarded)
        #expect(try reopened.status().applied.index == 0)
        #expect(try reopened.keyCount() == 0)
        reopened.close()
    }
}
