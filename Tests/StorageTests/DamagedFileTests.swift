import Foundation
import Raft
import Storage
import Testing

@Suite("Damaged data files")
struct DamagedFileTests {
    @Test("an environment whose meta pages are damaged is refused with LMDB's error, not a crash")
    func damagedMetaPages() throws {
        let dir = TemporaryDirectory()
        let log = try LogStorage(path: dir.path, mapSize: 16 << 20)
        try log.append([Entry(term: 1, index: 1, data: [1, 2, 3])])
        log.close()

        let file = try FileHandle(forUpdating: URL(fileURLWithPath: dir.sub("data.mdb")))
        try file.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try file.close()
        do {
            _ = try LogStorage(path: dir.path, mapSize: 16 << 20)
            Issue.record("a damaged environment opened")
        } catch let error as StorageError {
            guard case let .lmdb(code, operation, message) = error else { Issue.record("\(error)"); return }
            #expect(operation.hasPrefix("mdb_env_open") && code == -30793 && message.hasPrefix("MDB_INVALID"))
        }
    }

    @Test("a log record that does not decode is reported as corruption")
    func undecodableRecord() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(mapSize: 16 << 20, durability: .full, databases: ["entries": [], "meta": []]))
        try env.write { txn in
            try txn.put(env.database("entries"), UInt64(1).bigEndianBytesForTest, [1, 2])
        }
        env.close()
        let log = try LogStorage(path: dir.path, mapSize: 16 << 20)
        #expect(throws: StorageError.corrupted("log entry 1: needs 8 bytes at offset 0, has 2")) {
            _ = try log.entries(from: 1, to: 2, maxBytes: .max)
        }
    }
}

extension UInt64 {
    var bigEndianBytesForTest: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }
}
