import Foundation
import ProcessTestSupport
import Testing

/// The two clients compared: the real etcdctl 3.4 and the concordctl built beside the tests.
enum Client: String, CaseIterable, Sendable {
    case etcdctl
    case concordctl

    var executable: String {
        switch self {
        case .etcdctl: "/usr/bin/etcdctl"
        case .concordctl: BuildProducts.path("concordctl")
        }
    }

    var environment: [String: String] { self == .etcdctl ? ["ETCDCTL_API": "3"] : [:] }

    /// The test's own `ETCDCTL_` variables are not passed on: both clients read them, and a
    /// developer's shell settings would change the outcomes compared.
    private static let removedEnvironment = ["ETCDCTL_"]

    /// Starts the client with `arguments`; `input`, when given, is its whole standard input.
    func start(_ arguments: [String], input: String? = nil) throws -> ChildProcess {
        try ChildProcess(
            self.executable, arguments, environment: self.environment, removingInherited: Self.removedEnvironment,
            input: input.map { Array($0.utf8) })
    }

    /// Runs the client with `arguments` to the end.
    func run(_ arguments: [String]) async throws -> (status: Int32?, output: String, errors: String) {
        try await ChildProcess.run(
            self.executable, arguments, environment: self.environment, removingInherited: Self.removedEnvironment)
    }
}

/// One command line of a comparison script.
struct Step: Sendable {
    var arguments: [String]
    /// Standard input, when the command reads it (txn, put without a value).
    var input: String?
    /// For a command that runs until stopped (watch): it is stopped once its output has this
    /// many lines.
    var stopAfterLines: Int?
    /// Puts the global `--endpoints` flag first; off for steps that name their own endpoints.
    var usesServerEndpoint = true
    /// Replaces what legitimately differs between two runs (a duration), in both outputs, after
    /// the captured values were replaced by their names.
    var normalize: @Sendable (String) -> String = { $0 }
    /// Runs after the command, for each client (to look at a file it wrote, say).
    var check: (@Sendable (Client) async throws -> Void)?
    /// Names values in the output that differ from run to run (a new lease's ID): later steps
    /// may write `{name}` in their arguments, and every output shows `{name}` instead of the value.
    var capture: (@Sendable (String) -> [String: String])?
    /// Commands run while this one (a watch) runs; their outcomes are not compared.
    var meanwhile: [[String]] = []

    init(_ arguments: [String], input: String? = nil) {
        self.arguments = arguments
        self.input = input
    }

    var commandLine: String { self.arguments.joined(separator: " ") }
}

/// What a command did: its exit status, standard output and standard error (without etcdctl's
/// zap log lines, which carry timestamps and are not part of what it says).
struct Outcome: Equatable, Sendable, CustomStringConvertible {
    var status: Int32?
    var output: String
    var errors: String

    var description: String {
        "status \(self.status.map(String.init) ?? "none")\n--- stdout\n\(self.output)--- stderr\n\(self.errors)"
    }
}

/// Runs the same steps through etcdctl and through concordctl, each against its own fresh
/// start of the server under test on the same ports, and expects the same outcome from both.
struct Comparison: Sendable {
    let server: ServerUnderTest
    let clientPort: Int
    let peerPort: Int

    init(server: ServerUnderTest = .default) throws {
        self.server = server
        self.clientPort = try FreePort.find()
        self.peerPort = try FreePort.find()
    }

    var endpoint: String { "127.0.0.1:\(self.clientPort)" }

    /// Runs `steps` with both clients and expects each step's outcomes to be equal.
    /// - Returns: the outcomes, etcdctl's and concordctl's, step by step.
    @discardableResult
    func expectSameOutcomes(_ steps: [Step], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [(etcdctl: Outcome, concordctl: Outcome)]
    {
        let etcdctl = try await self.run(steps, with: .etcdctl)
        let concordctl = try await self.run(steps, with: .concordctl)
        for (index, step) in steps.enumerated() {
            #expect(
                etcdctl[index] == concordctl[index],
                "\(step.commandLine)\n=== etcdctl\n\(etcdctl[index])\n=== concordctl\n\(concordctl[index])",
                sourceLocation: sourceLocation)
        }
        return Array(zip(etcdctl, concordctl))
    }

    /// Runs `steps` with one client against a fresh start of the server.
    func run(_ steps: [Step], with client: Client) async throws -> [Outcome] {
        let server = try await self.server.launch(self.clientPort, self.peerPort)
        do {
            var outcomes: [Outcome] = []
            var captured: [String: String] = [:]
            for step in steps {
                var outcome = try await self.run(step, with: client, captured: captured)
                if let capture = step.capture { captured.merge(capture(outcome.output)) { $1 } }
                for (name, value) in captured.sorted(by: { $0.value.count > $1.value.count }) {
                    outcome.output = outcome.output.replacingOccurrences(of: value, with: "{\(name)}")
                    outcome.errors = outcome.errors.replacingOccurrences(of: value, with: "{\(name)}")
                }
                outcome.output = step.normalize(outcome.output)
                outcome.errors = step.normalize(outcome.errors)
                outcomes.append(outcome)
                try await step.check?(client)
            }
            server.stop()
            return outcomes
        } catch {
            server.stop()
            throw error
        }
    }

    private func run(_ step: Step, with client: Client, captured: [String: String]) async throws -> Outcome {
        func resolved(_ arguments: [String]) -> [String] {
            let endpoint = step.usesServerEndpoint ? ["--endpoints=\(self.endpoint)"] : []
            return endpoint + arguments.map { argument in
                captured.reduce(argument) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
            }
        }
        let child = try client.start(resolved(step.arguments), input: step.input)
        for command in step.meanwhile {
            _ = try await client.run(resolved(command))
        }
        let status: Int32?
        if let lines = step.stopAfterLines {
            _ = await child.waitForLines(lines, timeout: .seconds(10))
            child.kill()
            _ = await child.waitForExit(timeout: .seconds(5))
            status = nil
        } else {
            status = await child.waitForExit(timeout: .seconds(30))
        }
        let errors = child.standardError.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix(#"{"level":"#) }.joined(separator: "\n")
        return Outcome(status: status, output: child.standardOutput, errors: errors)
    }
}
