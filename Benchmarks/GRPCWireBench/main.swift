import EtcdAPI
import Foundation
import GRPCWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Unary-call load on one connection with a fixed number of calls in flight, reporting calls
/// per second and, given the server's pid, the server's CPU time per call (user + system, from
/// /proc/<pid>/stat). Speaks etcd's KV.Put, so it measures GRPCWire's test server and a real
/// etcd with the same client. Run by Benchmarks/grpcwire-unary.sh (which pins client and
/// server to different cores).
///
/// usage: grpcwire-bench --endpoint HOST:PORT --in-flight N --seconds S [--server-pid PID]
///        [--value-bytes N] [--warmup-seconds S]
struct Options {
    var endpoint = "127.0.0.1:2379"
    var inFlight = 64
    var seconds = 5.0
    var warmupSeconds = 1.0
    var serverPID: Int32?
    var valueBytes = 256

    init(_ arguments: ArraySlice<String>) {
        var rest = arguments
        func value() -> String {
            guard let value = rest.popFirst() else { fatalError("a flag needs a value") }
            return value
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--endpoint": self.endpoint = value()
            case "--in-flight": self.inFlight = Int(value())!
            case "--seconds": self.seconds = Double(value())!
            case "--warmup-seconds": self.warmupSeconds = Double(value())!
            case "--server-pid": self.serverPID = Int32(value())!
            case "--value-bytes": self.valueBytes = Int(value())!
            default: fatalError("unknown flag \(flag)")
            }
        }
    }
}

/// CPU time a process has used so far, in microseconds (fields 14 and 15 of /proc/<pid>/stat).
func cpuMicroseconds(_ pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command come state (field 3) ...; utime is field 14, stime field 15.
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (user + system) / ticks * 1_000_000
}

/// Keeps `inFlight` Puts outstanding: each completion starts the next one.
final class Load: Sendable {
    let client: GRPCClient
    let request: Etcdserverpb_PutRequest
    let completed = NIOLockedValueBox(0)
    let failed = NIOLockedValueBox(0)
    let running = NIOLockedValueBox(true)

    init(client: GRPCClient, valueBytes: Int) {
        self.client = client
        var request = Etcdserverpb_PutRequest()
        request.key = Data("bench/key".utf8)
        request.value = Data(repeating: 0x61, count: valueBytes)
        self.request = request
    }

    func issue() {
        guard self.running.withLockedValue({ $0 }) else { return }
        self.client.unary("/etcdserverpb.KV/Put", self.request, timeout: .seconds(30)) {
            (result: Result<Etcdserverpb_PutResponse, GRPCStatus>) in
            switch result {
            case .success: self.completed.withLockedValue { $0 += 1 }
            case .failure: self.failed.withLockedValue { $0 += 1 }
            }
            self.issue()
        }
    }
}

let options = Options(CommandLine.arguments.dropFirst())
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let client = try GRPCClient(.init(endpoints: [options.endpoint]), group: group)
let load = Load(client: client, valueBytes: options.valueBytes)
// One call first, so the connection exists before the clock starts.
let _: Etcdserverpb_PutResponse = try await client.unary("/etcdserverpb.KV/Put", load.request)
for _ in 0..<options.inFlight { load.issue() }
try await Task.sleep(for: .seconds(options.warmupSeconds))
let startCalls = load.completed.withLockedValue { $0 }
let startCPU = options.serverPID.flatMap(cpuMicroseconds)
let startTime = ContinuousClock.now
try await Task.sleep(for: .seconds(options.seconds))
let calls = load.completed.withLockedValue { $0 } - startCalls
let endCPU = options.serverPID.flatMap(cpuMicroseconds)
let elapsed = ContinuousClock.now - startTime
load.running.withLockedValue { $0 = false }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
var line = String(format: "in-flight %3d  calls/s %9.0f", options.inFlight, Double(calls) / seconds)
if let startCPU, let endCPU, calls > 0 {
    line += String(format: "  server CPU µs/call %6.1f", (endCPU - startCPU) / Double(calls))
}
line += "  failed \(load.failed.withLockedValue { $0 })"
print(line)
try await Task.sleep(for: .milliseconds(200))
await client.close()
try await group.shutdownGracefully()
