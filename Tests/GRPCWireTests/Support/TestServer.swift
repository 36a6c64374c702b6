import ProcessTestSupport
import Foundation

/// The `grpcwire-test-server` executable (GRPCWire with an in-memory etcd KV), running on a
/// free port on 127.0.0.1.
struct TestServer {
    let process: ChildProcess
    let port: Int

    static func start(_ arguments: [String] = []) async throws -> TestServer {
        let process = try ChildProcess(BuildProducts.path("grpcwire-test-server"), ["--port", "0"] + arguments)
        guard await process.waitForOutput({ $0.contains("listening on ") }) else {
            throw TestFailure("test server did not start: \(process.standardError)")
        }
        let line = process.standardOutput.split(separator: "\n").first { $0.hasPrefix("listening on ") }!
        return TestServer(process: process, port: Int(line.dropFirst("listening on ".count))!)
    }

    var endpoint: String { "127.0.0.1:\(self.port)" }
}

/// The real clients the tests drive: etcdctl (Debian etcd-client) and Python grpcio.
enum RealClients {
    static let etcdctl = "/usr/bin/etcdctl"
    static let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"

    /// Runs etcdctl (API v3) against `endpoint`.
    static func etcdctl(_ endpoint: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws -> (
        status: Int32?, output: String, errors: String
    ) {
        try await ChildProcess.run(
            self.etcdctl, ["--endpoints=\(endpoint)", "--dial-timeout=5s", "--command-timeout=20s"] + arguments,
            environment: ["ETCDCTL_API": "3"], timeout: timeout)
    }

    /// Runs one scenario of Tests/GRPCWireClients/grpcio_client.py.
    static func grpcio(_ scenario: String, port: Int, _ arguments: [String] = [], timeout: Duration = .seconds(60))
        async throws -> (status: Int32?, output: String, errors: String)
    {
        let script = BuildProducts.repositoryFile("Tests/GRPCWireClients/grpcio_client.py")
        return try await ChildProcess.run(
            "/usr/bin/env", [self.python, script, scenario, String(port)] + arguments, timeout: timeout)
    }
}
