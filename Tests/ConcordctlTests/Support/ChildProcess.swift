import Foundation
import NIOConcurrencyHelpers

/// A real process started by a test: its output is collected as it comes, and it is killed
/// when the test lets go of it, so a failing test leaves nothing running.
final class ChildProcess: Sendable {
    private let process: Process
    private let output: NIOLockedValueBox<String>
    private let errors: NIOLockedValueBox<String>
    /// The read ends of standard output and error, closed once the process is over: a test
    /// run starts hundreds of processes, and open pipes would pile up.
    private let readEnds: [(FileHandle, NIOLockedValueBox<String>)]

    /// Starts `executable` with `arguments`; `input`, when given, is its whole standard input.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCDCTL_") }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        let output = NIOLockedValueBox("")
        let errors = NIOLockedValueBox("")
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.withLockedValue { $0 += String(decoding: data, as: UTF8.self) } }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { errors.withLockedValue { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try Self.launching.withLock { try process.run() }
        if let stdin, let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        self.process = process
        self.output = output
        self.errors = errors
        self.readEnds = [(stdout.fileHandleForReading, output), (stderr.fileHandleForReading, errors)]
    }

    /// Foundation's `Process.run()` crashes (in its argument copying) when tests start processes
    /// from several threads at once, so starts take turns.
    private static let launching = NIOLock()

    deinit {
        self.kill()
        for (handle, _) in self.readEnds {
            handle.readabilityHandler = nil
            try? handle.close()
        }
    }

    /// Reads what is left in the pipes of a process that is over, and closes them.
    private func closePipes() async {
        for (handle, _) in self.readEnds { handle.readabilityHandler = nil }
        // A handler already running finishes its append first.
        try? await Task.sleep(for: .milliseconds(20))
        for (handle, text) in self.readEnds {
            if let rest = try? handle.readToEnd(), !rest.isEmpty {
                text.withLockedValue { $0 += String(decoding: rest, as: UTF8.self) }
            }
            try? handle.close()
        }
    }

    var standardOutput: String { self.output.withLockedValue { $0 } }
    var standardError: String { self.errors.withLockedValue { $0 } }
    var isRunning: Bool { self.process.isRunning }

    /// Waits until standard output satisfies `condition`; false after `timeout`.
    func waitForOutput(timeout: Duration = .seconds(20), _ condition: (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.standardOutput) { return true }
            if !self.process.isRunning {
                try? await Task.sleep(for: .milliseconds(100))
                return condition(self.standardOutput)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self.standardOutput)
    }

    /// Waits for the process to exit by itself and returns its exit status (nil on timeout, the
    /// process then killed).
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            if ContinuousClock.now >= deadline {
                self.kill()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        await self.closePipes()
        return self.process.terminationStatus
    }

    func kill() {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
    }

    /// Runs a command to the end.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32?, output: String, errors: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, input: input)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.standardOutput, child.standardError)
    }
}

/// Where the package's executables are: beside the test bundle in .build/<configuration>.
enum BuildProducts {
    static var directory: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test binary is .build/<configuration>/<Package>PackageTests.xctest.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    static func path(_ name: String) -> String { self.directory + "/" + name }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
