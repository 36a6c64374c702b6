import ArgumentParser
import Foundation

/// Sets the JSON results of several runs (`--output json`) side by side in one HTML report,
/// e.g. the same workload against etcd and against Concord.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write one HTML report from JSON results (concord-bench --output json)")

    @Option(name: .shortAndLong, help: "The HTML file to write")
    var output: String

    @Argument(help: "JSON result files; a file may also hold several results, one per line or as an array")
    var results: [String]

    func run() throws {
        var runs: [RunResult] = []
        for file in self.results {
            guard let data = FileManager.default.contents(atPath: file) else { throw BenchError("cannot read \(file)") }
            runs += try Self.decode(data, from: file)
        }
        guard !runs.isEmpty else { throw BenchError("no results to report") }
        try HTMLReport(runs: runs).html().write(toFile: self.output, atomically: true, encoding: .utf8)
    }

    static func decode(_ data: Data, from file: String) throws -> [RunResult] {
        let decoder = JSONDecoder()
        if let runs = try? decoder.decode([RunResult].self, from: data) { return runs }
        do {
            return [try decoder.decode(RunResult.self, from: data)]
        } catch {
            throw BenchError("\(file) is not concord-bench JSON output: \(error)")
        }
    }
}
