import Benchmark
import Raft

/// The consensus core must never be the server's bottleneck: a 3-member cluster in memory,
/// the leader committing proposals in batches. Each iteration commits one batch on every member;
/// entries per second = throughput × batch size, allocations per entry = malloc count ÷ batch size.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )

    for batchSize in [1, 100] {
        Benchmark("3 members in memory: commit a batch of \(batchSize) proposals of 64 bytes") { benchmark in
            let cluster = InMemoryCluster(members: 3)
            let batch = Array(repeating: [UInt8](repeating: 7, count: 64), count: batchSize)
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                cluster.commit(batch)
                if iteration % 1_000 == 999 {
                    benchmark.stopMeasurement()
                    cluster.compact()
                    benchmark.startMeasurement()
                }
            }
        }
    }
}
