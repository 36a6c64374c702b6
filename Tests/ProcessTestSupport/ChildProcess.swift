import Foundation
import NIOConcurrencyHelpers

/// A real process started by a test: its output is collected as it comes, and it is killed
/// when the test lets go of it, so a failing test leaves nothing running.
public final class ChildProcess: Sendable {
    private static let launchLock = NIOLock()
    private let process: Process
    private let output: NIOLockedValueBox<String>
    private let errors: NIOLockedValueBox<String>
    public let command: String

    /// Starts `executable` with `arguments`; `input`, when given, is its whole standard input.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
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
        // Foundation's Process.run is not safe to call from several threads at once (seen
        // here: a crash in its copy of the environment when tests start processes in parallel).
        try Self.launchLock.withLock { try process.run() }
        if let stdin, let input {
            let writer = stdin.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(Data(input))
                try? writer.close()
            }
        }
        self.process = process
        self.output = output
        self.errors = errors
        self.command = ([executable] + arguments).joined(separator: " ")
    }

    deinit {
        self.kill()
    }

    public var standardOutput: String { self.output.withLockedValue { $0 } }
    public var standardError: String { self.errors.withLockedValue { $0 } }
    public var isRunning: Bool { self.process.isRunning }

    /// Waits until standard output satisfies `condition`; false after `timeout`.
    public func waitForOutput(timeout: Duration = .seconds(20), _ condition: (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.standardOutput) { return true }
            if !self.process.isRunning {
                // Let the last output arrive.
                try? await Task.sleep(for: .milliseconds(100))
                return condition(self.standardOutput)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self.standardOutput)
    }

    /// Waits for the process to exit by itself and returns its exit status (nil on timeout, the
    /// process then killed).
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            if ContinuousClock.now >= deadline {
                self.kill()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // The pipes may hold the last bytes still.
        try? await Task.sleep(for: .milliseconds(50))
        return self.process.terminationStatus
    }

    public func terminate() {
        if self.process.isRunning { self.process.terminate() }
    }

    public func kill() {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
    }

    public var processIdentifier: Int32 { self.process.processIdentifier }

    /// Runs a command to the end: exit status and standard output.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        input: [UInt8]? = nil, timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32?, output: String, errors: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, input: input)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.standardOutput, child.standardError)
    }
}

/// Where the package's executables are: beside the test bundle in .build/<configuration>.
public enum BuildProducts {
    public static var directory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test binary is .build/<configuration>/<Package>PackageTests.xctest.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    public static func path(_ name: String) -> String { self.directory + "/" + name }

    /// A file in the repository, from this source file's place in it.
    public static func repositoryFile(_ relative: String, from file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent(relative).path
    }
}

/// A test's own failure with a message (a process that did not come up, an unexpected answer).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
