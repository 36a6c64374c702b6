import GRPCWire
import NIOConcurrencyHelpers
import NIOCore

/// Drives a unary workload: `clients` logical clients, each with at most one call outstanding,
/// issue requests 0..<total.
///
/// - Closed loop (no rate): a client sends its next request as soon as its previous one ends,
///   as etcd's benchmark does.
/// - Open loop (`rate`): request i is due at start + i/rate whatever happened before it; an
///   idle client takes the oldest due request, and its latency counts from when it was *due*,
///   so waiting behind a slow server is measured (no coordinated omission). Due requests are
///   numbers, not a queue: nothing grows when the server falls behind.
///
/// Calls use GRPCWire's callback API (no task per call) and the recorder's lock is the only
/// shared state, so one event-loop thread carries tens of thousands of calls per second.
final class UnaryLoad: @unchecked Sendable {
    /// Starts request `index` on `client` and calls `done` with nil or the failure, once.
    typealias Issue = @Sendable (_ index: Int, _ client: GRPCClient, _ done: @escaping @Sendable (GRPCStatus?) -> Void) -> Void

    private let connections: Connections
    private let clients: Int
    private let total: Int
    private let rate: Int?
    private let recorder: LatencyRecorder
    /// A second recorder for request i, when a workload reports kinds of request apart (mixed).
    private let classify: (@Sendable (Int) -> LatencyRecorder)?
    private let issue: Issue
    private let lock = NIOLock()
    // Under `lock`:
    private var next = 0
    private var completedCount = 0
    private var idle: [Int] = []
    private var startNanoseconds: UInt64 = 0
    private var finished: CheckedContinuation<Void, Never>?
    private var ticker: RepeatedTask?

    init(
        connections: Connections, clients: Int, total: Int, rate: Int?, recorder: LatencyRecorder,
        classify: (@Sendable (Int) -> LatencyRecorder)? = nil, issue: @escaping Issue
    ) {
        precondition(clients > 0 && total >= 0)
        self.connections = connections
        self.clients = min(clients, max(total, 1))
        self.total = total
        self.rate = rate.flatMap { $0 > 0 ? $0 : nil }
        self.recorder = recorder
        self.classify = classify
        self.issue = issue
    }

    /// Runs every request to its end.
    func run() async {
        guard self.total > 0 else { return self.recorder.finish() }
        await withCheckedContinuation { continuation in
            var launches: [(client: Int, index: Int)] = []
            self.lock.withLockVoid {
                self.finished = continuation
                self.startNanoseconds = MonotonicClock.nanoseconds()
                if self.rate == nil {
                    for client in 0..<self.clients {
                        launches.append((client, self.next))
                        self.next += 1
                    }
                } else {
                    self.idle = Array((0..<self.clients).reversed())
                }
            }
            if let rate = self.rate {
                // Wake often enough that no due request waits more than a millisecond for a turn.
                let period = TimeAmount.nanoseconds(max(Int64(1_000_000_000 / rate), 50_000))
                let ticker = self.connections.group.next().scheduleRepeatedTask(
                    initialDelay: .zero, delay: min(period, .milliseconds(1))
                ) { _ in self.tick() }
                // The ticker's first turns may already have finished a short run.
                let finishedAlready = self.lock.withLock { () -> Bool in
                    if self.finished == nil { return true }
                    self.ticker = ticker
                    return false
                }
                if finishedAlready { ticker.cancel() }
            }
            for launch in launches { self.launch(client: launch.client, index: launch.index) }
        }
        self.recorder.finish()
    }

    /// Requests that are due by now (open loop), capped at the total.
    private func dueCount(at now: UInt64) -> Int {
        guard let rate = self.rate else { return self.total }
        let elapsed = now >= self.startNanoseconds ? now - self.startNanoseconds : 0
        return min(self.total, Int(elapsed * UInt64(rate) / 1_000_000_000) + 1)
    }

    private func dueTime(of index: Int) -> UInt64 {
        guard let rate = self.rate else { return 0 }
        return self.startNanoseconds + UInt64(index) * 1_000_000_000 / UInt64(rate)
    }

    private func tick() {
        let now = MonotonicClock.nanoseconds()
        var launches: [(client: Int, index: Int)] = []
        self.lock.withLockVoid {
            let due = self.dueCount(at: now)
            while self.next < due, let client = self.idle.popLast() {
                launches.append((client, self.next))
                self.next += 1
            }
        }
        for launch in launches { self.launch(client: launch.client, index: launch.index) }
    }

    private func launch(client: Int, index: Int) {
        let start = self.rate == nil ? MonotonicClock.nanoseconds() : self.dueTime(of: index)
        self.issue(index, self.connections.client(for: client)) { failure in
            let end = MonotonicClock.nanoseconds()
            let kind = self.classify?(index)
            if let failure {
                self.recorder.recordError(failure.etcdBenchmarkText, at: end)
                kind?.recordError(failure.etcdBenchmarkText, at: end)
            } else {
                self.recorder.record(start: start, end: end)
                kind?.record(start: start, end: end)
            }
            self.completed(client: client, at: end, afterFailure: failure != nil)
        }
    }

    private func completed(client: Int, at now: UInt64, afterFailure: Bool) {
        var nextIndex: Int?
        var continuation: CheckedContinuation<Void, Never>?
        var ticker: RepeatedTask?
        self.lock.withLockVoid {
            self.completedCount += 1
            if self.completedCount == self.total {
                continuation = self.finished
                self.finished = nil
                ticker = self.ticker
                self.ticker = nil
            } else if self.next < self.dueCount(at: now) {
                nextIndex = self.next
                self.next += 1
            } else if self.rate != nil {
                self.idle.append(client)
            }
        }
        if let continuation {
            ticker?.cancel()
            continuation.resume()
        } else if let nextIndex {
            if afterFailure {
                // A failure can be reported inside the call that started it (no connection):
                // hop, so that a dead endpoint cannot recurse through every remaining request.
                self.connections.group.next().execute { self.launch(client: client, index: nextIndex) }
            } else {
                self.launch(client: client, index: nextIndex)
            }
        }
    }
}

extension GRPCStatus {
    /// The text grpc-go gives a failed call (`rpc error: code = Unavailable desc = ...`), which
    /// etcd's benchmark counts errors by.
    var etcdBenchmarkText: String {
        "rpc error: code = \(self.code.goName) desc = \(self.message)"
    }
}
