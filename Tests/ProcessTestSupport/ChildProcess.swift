import Foundation
import NIOConcurrencyHelpers

/// A real process started by a test: its output is collected as it comes, and it is killed
/// when the test lets go of it, so a failing test leaves nothing running.
///
/// Started with posix_spawn rather than Foundation's Process, which crashed here (in its
/// `run()`) when tests started many processes at once. Pipes are close-on-exec, so a child never
/// holds another child's pipe open.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// The exit status once reaped (`waitpid`), nil while running.
    private let exitStatus = NIOLockedValueBox<Int32?>(nil)
    private let output: NIOLockedValueBox<Collected>
    private let errors: NIOLockedValueBox<Collected>
    public let command: String

    /// What a pipe has delivered so far, and whether it reached its end: the text is complete
    /// only then, which can be a little after the process exited.
    private struct Collected {
        var text = ""
        var ended = false
    }

    /// Starts `executable` with `arguments`; `input`, when given, is its whole standard input.
    /// The test's own environment is passed on, with `environment` on top and without the
    /// variables whose names start with one of `removingInherited` (`ETCDCTL_`, say, so that
    /// a developer's shell settings cannot change what a client under test does).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        removingInherited: [String] = [], input: [UInt8]? = nil
    ) throws {
        var env = ProcessInfo.processInfo.environment.filter { variable in
            !removingInherited.contains { variable.key.hasPrefix($0) }
        }
        env.merge(environment) { $1 }
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        let stdout = try Self.pipe()
        let stderr = try Self.pipe()
        let stdin = try Self.pipe()

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        // Nothing else of the test process: SwiftNIO's sockets are not close-on-exec, and a
        // child holding a test's listening socket keeps its port taken after the test closed it.
        // (glibc 2.34's posix_spawn_file_actions_addclosefrom_np; Swift's Glibc module does not
        // declare it, so it is looked up.)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        guard result == 0 else {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.output = Self.collect(stdout.read)
        self.errors = Self.collect(stderr.read)
        self.command = ([executable] + arguments).joined(separator: " ")
        let writer = stdin.write
        Thread.detachNewThread {
            if let input {
                input.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Glibc.write(writer, bytes.baseAddress! + offset, bytes.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            }
            close(writer)
        }
    }

    deinit {
        self.kill()
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Held while pipes are made close-on-exec and while spawning, so that no child is
    /// spawned between a pipe's creation and its close-on-exec flag.
    private static let spawnLock = NIOLock()

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw TestFailure("pipe failed: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Reads `fd` to its end on a thread of its own, into the returned box.
    private static func collect(_ fd: Int32) -> NIOLockedValueBox<Collected> {
        let box = NIOLockedValueBox(Collected())
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                box.withLockedValue { $0.text += text }
            }
            close(fd)
            box.withLockedValue { $0.ended = true }
        }
        return box
    }

    public var standardOutput: String { self.output.withLockedValue { $0.text } }
    public var standardError: String { self.errors.withLockedValue { $0.text } }

    public var isRunning: Bool {
        exitStatus.withLockedValue { status in
            if status != nil { return false }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            guard reaped == pid else { return reaped == 0 }
            // WIFEXITED: the low 7 bits are 0; otherwise report the signal as 128 + number.
            status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            return false
        }
    }

    /// Waits until standard output satisfies `condition`; false after `timeout`.
    public func waitForOutput(timeout: Duration = .seconds(20), _ condition: (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.standardOutput) { return true }
            if !self.isRunning {
                await self.waitForEndOfOutput(until: deadline)
                return condition(self.standardOutput)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self.standardOutput)
    }

    /// Waits until standard output holds `count` complete lines (a running watch's events,
    /// say); false after `timeout`.
    public func waitForLines(_ count: Int, timeout: Duration = .seconds(20)) async -> Bool {
        await self.waitForOutput(timeout: timeout) { output in
            output.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } >= count
        }
    }

    /// Waits for the process to exit by itself and returns its exit status (nil on timeout, the
    /// process then killed).
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.isRunning {
            if ContinuousClock.now >= deadline {
                self.kill()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await self.waitForEndOfOutput(until: deadline)
        return self.exitStatus.withLockedValue { $0 }
    }

    /// Waits until both pipes of a process that is over have been read to their end, so that
    /// its output is complete; gives up at `deadline` (a descendant may hold a pipe open).
    private func waitForEndOfOutput(until deadline: ContinuousClock.Instant) async {
        while !(self.output.withLockedValue(\.ended) && self.errors.withLockedValue(\.ended)),
            ContinuousClock.now < deadline
        {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    public func terminate() {
        if self.isRunning { Glibc.kill(self.pid, SIGTERM) }
    }

    /// SIGKILL, and waits until the process is gone.
    public func kill() {
        guard self.isRunning else { return }
        Glibc.kill(self.pid, SIGKILL)
        while self.isRunning { usleep(1000) }
    }

    public var processIdentifier: Int32 { self.pid }

    /// Runs a command to the end: exit status and standard output.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        removingInherited: [String] = [], input: [UInt8]? = nil, timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32?, output: String, errors: String) {
        let child = try ChildProcess(
            executable, arguments, environment: environment, removingInherited: removingInherited, input: input)
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
