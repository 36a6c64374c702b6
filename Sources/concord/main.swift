import Dispatch
import Foundation
import Server
import Storage

/// `concord [flags]` runs a member; `concord snapshot restore|status <file>` work offline.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("concord: \(message)\n".utf8))
    exit(1)
}

func snapshotCommand(_ arguments: [String]) {
    guard arguments.count >= 2 else { fail("usage: concord snapshot restore|status <file> [flags]") }
    let file = arguments[1]
    switch arguments[0] {
    case "status":
        do {
            let status = try SnapshotFile.status(file)
            guard status.isValid else { fail("snapshot file \(file) is damaged: \(status.problem ?? "checksum mismatch")") }
            let header = status.header
            print("""
            +----------+----------+------------+------------+
            |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
            +----------+----------+------------+------------+
            """)
            let hash = String(format: "%08x", UInt32(truncatingIfNeeded: header.frameBytes ^ header.dataBytes))
            print("| \(hash) | \(pad(header.revision, 8)) | \(pad(header.keyCount, 10)) | \(pad(byteCount(Int(header.dataBytes)), 10)) |")
            print("+----------+----------+------------+------------+")
            print("raft index \(header.raftIndex), term \(header.raftTerm), voters \(header.confState.voters.map { String($0, radix: 16) }.joined(separator: ",")), compressed \(status.fileBytes) bytes")
        } catch {
            fail("snapshot status \(file): \(error)")
        }
    case "restore":
        do {
            let configuration = try ServerFlags.parse(Array(arguments.dropFirst(2)))
            try SnapshotRestore.run(snapshot: file, configuration: configuration)
            print("restored snapshot \(file) into \(configuration.resolvedDataDirectory)")
        } catch {
            fail("snapshot restore \(file): \(error)")
        }
    default:
        fail("unknown snapshot command \"\(arguments[0])\" (restore or status)")
    }
}

func pad(_ value: some CustomStringConvertible, _ width: Int) -> String {
    let text = value.description
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// etcd prints sizes as humanize.Bytes does: "24 kB", "1.2 MB".
func byteCount(_ bytes: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : (value < 10 ? String(format: "%.1f %@", value, units[unit]) : String(format: "%.0f %@", value, units[unit]))
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "snapshot" {
    snapshotCommand(Array(arguments.dropFirst()))
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print(ServerFlags.usage)
    exit(0)
}
if arguments.contains("--version") {
    print("concord (etcd API \("3.4.0"))")
    exit(0)
}

let configuration: ServerConfiguration
do {
    let commandLine = try ServerCommandLine.parse(arguments)
    configuration = commandLine.configuration
    commandLine.logConfigFile(to: ServerLog(level: configuration.logLevel))
} catch {
    fail("\(error)")
}

signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
signal(SIGPIPE, SIG_IGN)
let stopRequested = DispatchSemaphore(value: 0)
let signalSources = [SIGTERM, SIGINT].map { number in
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler { @Sendable in stopRequested.signal() }
    source.resume()
    return source
}

let finished = DispatchSemaphore(value: 0)
Task.detached {
    do {
        // A member removed from the cluster stops as if asked to, and exits 0 (as etcd does).
        let server = try await ConcordServer.start(configuration) { stopRequested.signal() }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                stopRequested.wait()
                continuation.resume()
            }
        }
        await server.stop()
        finished.signal()
    } catch {
        fail("\(error)")
    }
}
finished.wait()
_ = signalSources
exit(0)
