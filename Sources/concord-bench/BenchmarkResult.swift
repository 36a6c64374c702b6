/// One run of concord-bench as `--output json` writes it and `report` reads it back. A run has
/// one phase per measured stage (`watch` has two: creating the watchers, then the events); the
/// last phase is the run's headline figure.
struct RunResult: Codable, Sendable {
    var tool = "concord-bench"
    /// What reports call this run (`--label`, else the command).
    var label: String
    var benchmark: String
    var arguments: [String]
    var endpoints: [String]
    var conns: Int
    var clients: Int
    /// ISO 8601, UTC.
    var startedAt: String
    var phases: [PhaseResult]
    var client: ClientCPUUsage
}

/// The figures of one phase; times in seconds. etcd's report prints the same fields.
struct PhaseResult: Codable, Sendable {
    /// etcd's percentiles (pkg/report), plus p99.99 for the tail a histogram resolves.
    static let reportedPercentiles: [Double] = [10, 25, 50, 75, 90, 95, 99, 99.9, 99.99]

    struct Percentile: Codable, Sendable {
        var percentile: Double
        var seconds: Double
    }

    /// A bar of etcd's response-time histogram: latencies up to `seconds` (above the previous bar).
    struct Bar: Codable, Sendable {
        var seconds: Double
        var count: Int
    }

    struct TimePoint: Codable, Sendable {
        var offsetSeconds: Double
        var widthSeconds: Double
        var requests: Int
        var errors: Int
        var p50Seconds: Double
        var p99Seconds: Double
        var maxSeconds: Double
    }

    var name: String
    var succeeded: Int
    var failed: Int
    var totalSeconds: Double
    var slowestSeconds: Double
    var fastestSeconds: Double
    var averageSeconds: Double
    var stddevSeconds: Double
    var requestsPerSecond: Double
    var percentiles: [Percentile]
    var histogram: [Bar]
    /// Failures by their text (`rpc error: code = Unavailable desc = ...`, as grpc-go prints them).
    var errors: [String: Int]
    /// The whole latency distribution from the HDR histogram, for the percentile plot.
    var percentileCurve: [Percentile]
    var timeSeries: [TimePoint]

    func seconds(atPercentile percentile: Double) -> Double? {
        self.percentiles.first { $0.percentile == percentile }?.seconds
    }
}

/// concord-bench's own CPU use over the run, so a reader knows whether the client, not the
/// server, set the pace.
struct ClientCPUUsage: Codable, Sendable {
    var cpuSeconds: Double
    var wallSeconds: Double
    var requests: Int
    var cpuMicrosecondsPerRequest: Double
    /// Cores the client can keep busy: its event-loop threads, at most the CPUs in its affinity mask.
    var coresAvailable: Int
    /// CPU time over wall time over `coresAvailable`: 1 is every core busy all the time.
    var busyFraction: Double
    /// True when `busyFraction` reached ``ClientCPUMeter/saturationThreshold``.
    var saturated: Bool
}
