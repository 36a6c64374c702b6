import Foundation
@testable import Storage
import Synchronization
import Testing

/// What a read transaction costs on the serving path, and the part of it the defragment gate
/// (`SwapGate`, taken shared by every read) takes, printed for docs/storage.md. Nothing here is timed against a
/// bound: shared machines drift; the test checks only that every read sees the stored value.
@Suite("Read path cost")
struct ReadPathCostTests {
    static let readsPerThread = 200_000

    @Test("empty read transactions, one-key ranges and the gate alone and the measuring loop alone, on one thread and on two, see the stored value; nanoseconds per read are printed")
    func readPathCost() throws {
        let dir = TemporaryDirectory()
        let store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20)
        defer { store.close() }
        let key = Array("cost/key".utf8)
        try store.apply(index: 1, term: 1) { batch in _ = try batch.put(PutRequest(key: key, value: Array("value".utf8))) }

        for threads in [1, 2] {
            let empty = try Self.nanosecondsPerRead(threads: threads) {
                try store.environment.read { _ in true }
            }
            let range = try Self.nanosecondsPerRead(threads: threads) {
                try store.range(RangeRequest(key: key)).kvs.first?.value == Array("value".utf8)
            }
            let gate = try Self.nanosecondsPerRead(threads: threads) {
                store.environment.gate.withShared { true }
            }
            let loop = try Self.nanosecondsPerRead(threads: threads) { true }
            print("read path, \(threads) thread(s): empty read transaction \(empty) ns, one-key range \(range) ns, the gate alone \(gate) ns, the measuring loop alone \(loop) ns")
        }
    }

    /// Runs `read` `readsPerThread` times on each of `threads` threads at once; the wall time
    /// divided by all reads. Fails when any read returned `false` or threw.
    static func nanosecondsPerRead(threads: Int, _ read: @escaping @Sendable () throws -> Bool) throws -> Int {
        precondition((1...8).contains(threads))
        let failures = Atomic(0)
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                for _ in 0..<readsPerThread where !((try? read()) ?? false) { failures.add(1, ordering: .relaxed) }
                group.leave()
            }
        }
        group.wait()
        let elapsed = ContinuousClock.now - start
        #expect(failures.load(ordering: .relaxed) == 0)
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return Int(nanoseconds / Double(threads * readsPerThread))
    }
}
