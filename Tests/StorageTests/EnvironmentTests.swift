import Storage
import Testing

@Suite("LMDB environment")
struct EnvironmentTests {
    static func open(_ dir: TemporaryDirectory) throws -> Environment {
        try Environment(path: dir.path, options: .init(mapSize: 16 << 20, durability: .full, databases: ["t": []]))
    }

    @Test("a read transaction sees one state while a write commits beside it")
    func readIsolation() throws {
        let dir = TemporaryDirectory()
        let env = try Self.open(dir)
        let t = env.database("t")
        try env.write { try $0.put(t, [1], [10]) }
        try env.read { txn in
            #expect(try txn.get(t, [1]).map(Array.init) == [10])
            try env.write { try $0.put(t, [1], [20]) }
            #expect(try txn.get(t, [1]).map(Array.init) == [10])
        }
        #expect(try env.read { try $0.get(t, [1]).map(Array.init) } == [20])
    }

    @Test("a write that throws keeps nothing")
    func abortedWrite() throws {
        struct Stop: Error {}
        let dir = TemporaryDirectory()
        let env = try Self.open(dir)
        let t = env.database("t")
        #expect(throws: Stop.self) {
            try env.write { txn in
                try txn.put(t, [1], [1])
                throw Stop()
            }
        }
        #expect(try env.read { try $0.get(t, [1]) == nil })
    }

    @Test("an async write runs on the writer thread and returns its result")
    func asyncWrite() async throws {
        let dir = TemporaryDirectory()
        let env = try Self.open(dir)
        let t = env.database("t")
        let stored = try await env.write { txn -> Int in
            for i in 0..<100 as Range<UInt8> { try txn.put(t, [i], [i]) }
            return try txn.statistics(t).entries
        }
        #expect(stored == 100)
    }

    @Test("LMDB errors carry the code, the call and LMDB's message; long keys are refused before LMDB")
    func errors() throws {
        let dir = TemporaryDirectory()
        let env = try Self.open(dir)
        let t = env.database("t")
        do {
            try env.write { try $0.put(t, [], [1]) }
            Issue.record("an empty key was stored")
        } catch let error as StorageError {
            guard case let .lmdb(code, operation, message) = error else { Issue.record("\(error)"); return }
            #expect(code == -30781 && operation == "mdb_put(t)" && message.hasPrefix("MDB_BAD_VALSIZE"))
        }
        #expect(throws: StorageError.keyTooLong(length: 600, max: env.maxKeySize)) {
            try env.write { try $0.put(t, [UInt8](repeating: 1, count: 600), [1]) }
        }
    }
}
