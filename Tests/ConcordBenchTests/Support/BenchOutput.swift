import Foundation
import ProcessTestSupport

/// The part of concord-bench's `--output json` the tests read, decoded independently of the
/// tool's own types so that the format itself is under test.
struct BenchOutput: Decodable {
    struct Phase: Decodable {
        var name: String
        var succeeded: Int
        var failed: Int
        var requestsPerSecond: Double
        var errors: [String: Int]
        var percentiles: [Percentile]
        var timeSeries: [TimePoint]
    }

    struct Percentile: Decodable {
        var percentile: Double
        var seconds: Double
    }

    struct TimePoint: Decodable {
        var requests: Int
        var errors: Int
    }

    struct Client: Decodable {
        var cpuSeconds: Double
        var cpuMicrosecondsPerRequest: Double
        var requests: Int
    }

    var tool: String
    var benchmark: String
    var label: String
    var phases: [Phase]
    var client: Client

    func phase(_ name: String) throws -> Phase {
        guard let phase = self.phases.first(where: { $0.name == name }) else {
            throw TestFailure("no phase \(name) in \(self.phases.map(\.name))")
        }
        return phase
    }
}

/// Runs the built concord-bench against `endpoint`.
enum ConcordBench {
    static var path: String { BuildProducts.path("concord-bench") }

    static func run(_ arguments: [String]) async throws -> (status: Int32?, output: String, errors: String) {
        try await ChildProcess.run(self.path, arguments, timeout: .seconds(60))
    }

    /// Runs with `--output json` and decodes the result; fails on a non-zero exit.
    static func json(_ arguments: [String]) async throws -> BenchOutput {
        let result = try await self.run(arguments + ["--output", "json"])
        guard result.status == 0 else {
            throw TestFailure("concord-bench \(arguments) exited \(String(describing: result.status)): \(result.errors)")
        }
        return try JSONDecoder().decode(BenchOutput.self, from: Data(result.output.utf8))
    }
}
