import Benchmark
import Foundation
import Raft
import Storage

/// The storage engine's speed targets (issue 3): log appends within 0.8× of raw LMDB, MVCC puts
/// and ranges on 1M keys, restart with 1M keys serving in under a second, snapshots at
/// ≥ 400 MB/s of input. Durable benchmarks include their fsyncs: those figures are the disk's.
///
/// Each run of a benchmark's closure is one sample; what it needs is made once, outside it.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )
    let payload = [UInt8](repeating: 7, count: 300)

    for batch in [1, 10, 100, 1000] {
        nonisolated(unsafe) var log: LogStorage?
        nonisolated(unsafe) var next: UInt64 = 1
        Benchmark("log: append \(batch) entries of 300 bytes durably, LogStorage", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                let entries = (0..<UInt64(batch)).map { Entry(term: 1, index: next + $0, data: payload) }
                try log!.save(entries: entries, hardState: HardState(term: 1, vote: 1, commit: next))
                next += UInt64(batch)
            }
        }, setup: { log = try! LogStorage(path: Scratch.directory("log-\(batch)"), mapSize: 8 << 30) },
           teardown: { log?.close(); log = nil })
        nonisolated(unsafe) var raw: RawLog?
        Benchmark("log: append \(batch) entries of 300 bytes durably, raw LMDB", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                raw!.append(batch: batch, payload: payload)
            }
        }, setup: { raw = RawLog(path: Scratch.directory("raw-\(batch)")) },
           teardown: { raw = nil })
    }

    nonisolated(unsafe) var sequential: (store: MVCCStore, next: Int, index: UInt64)?
    let values = (0..<1000).map(KeySpaceFixture.value)
    Benchmark("state: 1000 puts of new sequential keys per batch", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            let start = sequential!.next
            sequential!.index += 1
            try sequential!.store.apply(index: sequential!.index, term: 1) { batch in
                for i in 0..<1000 { _ = try batch.put(PutRequest(key: KeySpaceFixture.key(start + i), value: values[i])) }
            }
            sequential!.next += 1000
        }
    }, setup: { sequential = (try! MVCCStore(path: Scratch.directory("sequential"), mapSize: 16 << 30, quotaBytes: 8 << 30), 0, 0) },
           teardown: { sequential?.store.close(); sequential = nil })

    nonisolated(unsafe) var shared: MVCCStore?
    nonisolated(unsafe) var randomKeys: [[UInt8]] = []
    /// Opens the fixture `name` and draws the random keys the samples go through.
    let openFixture = { (name: String) in
        shared = try! KeySpaceFixture.open(name)
        var random = SystemRandomNumberGenerator()
        randomKeys = (0..<100_000).map { _ in KeySpaceFixture.key(Int.random(in: 0..<KeySpaceFixture.keyCount, using: &random)) }
    }
    let openShared = { openFixture("reads") }
    let closeShared = { shared?.close(); shared = nil }

    nonisolated(unsafe) var putCount = 0
    Benchmark("state: 100 puts of random existing keys per batch, 1M keys", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            let applied = try shared!.status().applied.index
            try shared!.apply(index: applied + 1, term: 1) { batch in
                for k in 0..<100 {
                    putCount += 1
                    _ = try batch.put(PutRequest(key: randomKeys[putCount % randomKeys.count], value: values[k]))
                }
            }
        }
    }, setup: { openFixture("writes") }, teardown: closeShared)

    nonisolated(unsafe) var rangeCount = 0
    Benchmark("state: single-key range, 1M keys", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            rangeCount += 1
            blackHole(try shared!.range(RangeRequest(key: randomKeys[rangeCount % randomKeys.count])))
        }
    }, setup: openShared, teardown: closeShared)

    Benchmark("state: open a 1M-key space, serve one range, close", closure: { benchmark in
        for _ in benchmark.scaledIterations {
            let store = try KeySpaceFixture.open()
            blackHole(try store.range(RangeRequest(key: KeySpaceFixture.key(KeySpaceFixture.keyCount / 2))))
            store.close()
        }
    }, setup: { _ = KeySpaceFixture.path("reads") })

    let snapshotPath = Scratch.root + "/snapshot"
    Benchmark("snapshot: create from a 1M-key space",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 5),
              closure: { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SnapshotFile.create(from: shared!, confState: ConfState(voters: [1]), to: snapshotPath))
        }
    }, setup: {
        openShared()
        // The sizes, once: MB/s = data MB ÷ wall clock.
        let header = try! SnapshotFile.create(from: shared!, confState: ConfState(voters: [1]), to: snapshotPath)
        print(String(format: "snapshot of %d keys: %d MB of data, %d MB file, ratio %.2f", header.keyCount, header.dataBytes / 1_000_000,
                     header.frameBytes / 1_000_000, Double(header.dataBytes) / Double(header.frameBytes)))
    }, teardown: closeShared)

    Benchmark("snapshot: restore a 1M-key snapshot into a new data directory",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 5), closure: { benchmark in
        for _ in benchmark.scaledIterations {
            let destination = Scratch.root + "/restored"
            try? FileManager.default.removeItem(atPath: destination)
            benchmark.startMeasurement()
            try SnapshotFile.restore(snapshotPath, into: destination)
            benchmark.stopMeasurement()
            try FileManager.default.removeItem(atPath: destination)
        }
    }, setup: {
        let store = try! KeySpaceFixture.open()
        try! SnapshotFile.create(from: store, confState: ConfState(voters: [1]), to: snapshotPath)
        store.close()
    })
}
