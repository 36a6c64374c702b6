import EtcdAPI
import Foundation
import GRPCWire
import NIOConcurrencyHelpers

/// The watch benchmarks' machinery: open `streams` Watch streams (stream i on connection
/// i % conns), create `watchersPerStream` watchers on each (phase "watch creation": from sending
/// a create request to its `created` response), then put to the watched keys and receive the
/// events (phase "put" for the puts, phase "watch events" for every event each watcher receives).
///
/// Each put's value starts with the monotonic time it was sent, so an event's latency is the
/// time from its put being sent to this watcher receiving it, measured without any shared
/// table. The events phase ends when every expected event arrived, or when none arrived for
/// `stallTimeout` (the missing ones are then counted as errors).
struct WatchLoad {
    var streams: Int
    var watchersPerStream: Int
    /// The key watcher i watches.
    var watchedKey: @Sendable (Int) -> Data
    var putTotal: Int
    var putRate: Int
    /// Concurrent puts (closed loop when `putRate` is 0).
    var putClients: Int
    var valueSize: Int
    var prevKV: Bool
    var stallTimeout: Duration = .seconds(10)

    static let timestampBytes = 8

    func run(_ connections: Connections, progress: ProgressSource) async throws -> [LatencyRecorder] {
        let watchers = self.streams * self.watchersPerStream
        let keys = (0..<watchers).map(self.watchedKey)
        // Puts go to the distinct watched keys in turn (etcd 3.4's benchPutWatches).
        var watchersPerKey: [Data: Int] = [:]
        var keysInOrder: [Data] = []
        for key in keys {
            if watchersPerKey[key] == nil { keysInOrder.append(key) }
            watchersPerKey[key, default: 0] += 1
        }
        let distinctKeys = keysInOrder
        let expectedEvents = (0..<self.putTotal).reduce(0) { $0 + watchersPerKey[distinctKeys[$1 % distinctKeys.count]]! }

        let creation = LatencyRecorder(name: "watch creation")
        await progress.track(creation, total: watchers)
        let tracker = WatchEventTracker(expected: expectedEvents)
        var opened: [WatchStream] = []
        for stream in 0..<self.streams {
            let call: GRPCClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse> =
                try await connections.client(for: stream).stream(EtcdMethod.watch)
            opened.append(WatchStream(call: call, creation: creation, tracker: tracker))
        }
        let readers = opened.map { stream in Task { await stream.read() } }
        for (index, key) in keys.enumerated() {
            var create = Etcdserverpb_WatchCreateRequest()
            create.key = key
            create.prevKv = self.prevKV
            var request = Etcdserverpb_WatchRequest()
            request.createRequest = create
            try opened[index % self.streams].create(request)
        }
        try await tracker.waitForCreated(watchers, stallTimeout: self.stallTimeout, recorder: creation)
        creation.finish()

        let puts = LatencyRecorder(name: "put")
        let events = LatencyRecorder(name: "watch events")
        tracker.startEvents(events)
        await progress.track(events, total: expectedEvents)
        let padding = Data(count: max(self.valueSize - Self.timestampBytes, 0))
        let load = UnaryLoad(
            connections: connections, clients: self.putClients, total: self.putTotal, rate: self.putRate, recorder: puts
        ) { index, client, done in
            var request = Etcdserverpb_PutRequest()
            request.key = distinctKeys[index % distinctKeys.count]
            withUnsafeBytes(of: MonotonicClock.nanoseconds().littleEndian) { request.value = Data($0) + padding }
            client.unary(EtcdMethod.put, request) { (result: Result<Etcdserverpb_PutResponse, GRPCStatus>) in
                done(result.failure)
            }
        }
        await load.run()
        await tracker.waitForEvents(stallTimeout: self.stallTimeout)
        for stream in opened { stream.call.cancel() }
        for reader in readers { await reader.value }
        return [creation, puts, events]
    }
}

/// One Watch stream: the send times of its create requests (answered in order) and the
/// reading of its responses.
final class WatchStream: Sendable {
    let call: GRPCClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>
    private let creation: LatencyRecorder
    private let tracker: WatchEventTracker
    private let pendingCreates = NIOLockedValueBox<[UInt64]>([])

    init(
        call: GRPCClientStream<Etcdserverpb_WatchRequest, Etcdserverpb_WatchResponse>, creation: LatencyRecorder,
        tracker: WatchEventTracker
    ) {
        self.call = call
        self.creation = creation
        self.tracker = tracker
    }

    func create(_ request: Etcdserverpb_WatchRequest) throws {
        self.pendingCreates.withLockedValue { $0.append(MonotonicClock.nanoseconds()) }
        try self.call.send(request)
    }

    func read() async {
        var createIndex = 0
        do {
            for try await response in self.call.responses {
                let now = MonotonicClock.nanoseconds()
                if response.created || (response.canceled && !response.cancelReason.isEmpty) {
                    let sent = self.pendingCreates.withLockedValue { $0.indices.contains(createIndex) ? $0[createIndex] : now }
                    createIndex += 1
                    if response.created && !response.canceled {
                        self.creation.record(start: sent, end: now)
                    } else {
                        self.creation.recordError("watch canceled: \(response.cancelReason)", at: now)
                    }
                    self.tracker.created()
                }
                if !response.events.isEmpty {
                    self.tracker.received(response.events, at: now)
                }
            }
        } catch let status as GRPCStatus where status.code == .cancelled {
            // The benchmark's own cancel at the end.
        } catch {
            self.tracker.streamFailed(error)
        }
    }
}

/// Counts created watchers and delivered events across the streams, and records each event's
/// latency from the send time carried in its value.
final class WatchEventTracker: Sendable {
    private struct State {
        var created = 0
        var received = 0
        var lastEventAt: UInt64?
        var events: LatencyRecorder?
        var failures: [String] = []
    }

    private let expected: Int
    private let state = NIOLockedValueBox(State())

    init(expected: Int) { self.expected = expected }

    func created() { self.state.withLockedValue { $0.created += 1 } }

    func startEvents(_ recorder: LatencyRecorder) { self.state.withLockedValue { $0.events = recorder } }

    func received(_ events: [Mvccpb_Event], at now: UInt64) {
        guard let recorder = self.state.withLockedValue({ state -> LatencyRecorder? in
            state.received += events.count
            state.lastEventAt = now
            return state.events
        }) else { return }
        for event in events {
            if event.kv.value.count >= WatchLoad.timestampBytes {
                let sent = event.kv.value.prefix(WatchLoad.timestampBytes).withUnsafeBytes {
                    UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
                }
                recorder.record(start: sent, end: now)
            } else {
                recorder.record(start: now, end: now)
            }
        }
    }

    func streamFailed(_ error: any Error) {
        let text = (error as? GRPCStatus)?.etcdBenchmarkText ?? "\(error)"
        self.state.withLockedValue { $0.failures.append(text) }
    }

    func waitForCreated(_ watchers: Int, stallTimeout: Duration, recorder: LatencyRecorder) async throws {
        await self.wait(stallTimeout: stallTimeout) { $0.created + $0.failures.count >= watchers ? nil : $0.created }
        let state = self.state.withLockedValue { $0 }
        if state.created < watchers {
            throw BenchError(
                "only \(state.created) of \(watchers) watchers were created"
                    + (state.failures.isEmpty ? "" : ": \(state.failures.first!)"))
        }
    }

    /// Waits until every expected event arrived or none came for `stallTimeout`; records the
    /// missing ones as errors and ends the events phase at the last event.
    func waitForEvents(stallTimeout: Duration) async {
        await self.wait(stallTimeout: stallTimeout) { $0.received >= self.expected ? nil : $0.received }
        let state = self.state.withLockedValue { $0 }
        guard let recorder = state.events else { return }
        let missing = self.expected - state.received
        for _ in 0..<max(missing, 0) { recorder.recordError("event not delivered within \(stallTimeout) of the last one") }
        for failure in state.failures { recorder.recordError("watch stream failed: \(failure)") }
        recorder.finish(at: state.lastEventAt ?? MonotonicClock.nanoseconds())
    }

    /// Polls `progress` (nil when done) until done or unchanged for `stallTimeout`.
    private func wait(stallTimeout: Duration, _ progress: @Sendable (State) -> Int?) async {
        var last = -1
        var lastChange = ContinuousClock.now
        while let current = self.state.withLockedValue({ progress($0) }) {
            if current != last {
                last = current
                lastChange = .now
            } else if ContinuousClock.now - lastChange > stallTimeout {
                return
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}
