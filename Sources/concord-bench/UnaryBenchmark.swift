/// Running one of etcd's request-count workloads through ``UnaryLoad``.
enum UnaryBenchmark {
    /// Runs `total` requests as `name` (closed loop, or open loop at `rate` per second).
    /// With `kinds`, request i is also reported in the phase `kinds[kind(i)]` (mixed's reads and
    /// writes), before the phase of all requests.
    static func run(
        _ global: GlobalOptions, name: String, total: Int, rate: Int,
        kinds: [String] = [], kind: (@Sendable (Int) -> Int)? = nil,
        issue: @escaping UnaryLoad.Issue
    ) async throws {
        try await BenchmarkRun(global: global, benchmark: name).run {
            (connections: Connections, progress: ProgressSource) async throws -> [LatencyRecorder] in
            let recorder = LatencyRecorder(name: name)
            let kindRecorders = kinds.map { LatencyRecorder(name: $0, isBreakdown: true) }
            await progress.track(recorder, total: total)
            var classify: (@Sendable (Int) -> LatencyRecorder)?
            if let kind {
                classify = { (index: Int) -> LatencyRecorder in kindRecorders[kind(index)] }
            }
            let load = UnaryLoad(
                connections: connections, clients: global.clients, total: total, rate: rate, recorder: recorder,
                classify: classify, issue: issue)
            await load.run()
            for kindRecorder in kindRecorders { kindRecorder.finish() }
            return kindRecorders + [recorder]
        }
    }
}
