import Foundation

/// A real `concord` member process, started from the build products beside the test bundle,
/// its standard output and error in `<directory>/<name>.log`. Killed when released, so a
/// failing test leaves nothing running.
final class ConcordProcess {
    let name: String
    let arguments: [String]
    let logPath: String
    private var process: Process

    init(name: String, logDirectory: String, arguments: [String]) throws {
        self.name = name
        self.arguments = arguments
        logPath = logDirectory + "/" + name + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try Self.launch(arguments, log: logPath)
    }

    deinit { kill(SIGKILL) }

    private static func launch(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: productsDirectory + "/concord")
        process.arguments = arguments
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends `signal` (SIGKILL: a crash; SIGTERM: a graceful stop) and waits for the exit.
    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Starts the member again with the same flags (after `kill`).
    func restart() throws {
        precondition(!process.isRunning, "\(name) is still running")
        process = try Self.launch(arguments, log: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Where the package's executables are: beside the test bundle in .build/<configuration>.
    static var productsDirectory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }
}

/// Runs etcd's own `etcdctl` (v3 API) to the end: exit status and standard output.
func etcdctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try shell(["etcdctl"] + arguments)
}

/// Runs a command line through `/usr/bin/env` (PATH lookup) with `ETCDCTL_API=3`.
func shell(_ command: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    var environment = ProcessInfo.processInfo.environment
    environment["ETCDCTL_API"] = "3"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
