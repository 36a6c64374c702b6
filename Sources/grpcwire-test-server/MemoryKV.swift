import EtcdAPI
import Foundation
import GRPCWire
import NIOConcurrencyHelpers

/// An in-memory key space with etcd's revision rules (one revision per write, create/mod
/// revision, version), a history of events, and watchers: enough of etcd's KV and Watch
/// services to drive the gRPC layer with real clients. Not Concord's store (that is the
/// Storage target); it exists so the wire can be tested and measured on its own.
final class MemoryKV: Sendable {
    private struct Watcher {
        let streamID: ObjectIdentifier
        let watchID: Int64
        let key: Data
        let rangeEnd: Data
        let stream: GRPCResponseStream<Etcdserverpb_WatchResponse>
    }

    private struct State {
        var revision: Int64 = 1
        var keys: [Data: Mvccpb_KeyValue] = [:]
        var history: [Mvccpb_Event] = []
        var watchers: [Watcher] = []
        var nextWatchID: Int64 = 0
    }

    private let state = NIOLockedValueBox(State())
    let clusterID: UInt64
    let memberID: UInt64

    init(clusterID: UInt64, memberID: UInt64) {
        self.clusterID = clusterID
        self.memberID = memberID
    }

    func header(revision: Int64) -> Etcdserverpb_ResponseHeader {
        var header = Etcdserverpb_ResponseHeader()
        header.clusterID = self.clusterID
        header.memberID = self.memberID
        header.revision = revision
        header.raftTerm = 1
        return header
    }

    var revision: Int64 { self.state.withLockedValue { $0.revision } }

    /// How many watch streams are open (reported on /metrics, so tests can see cancellation).
    var watchStreamCount: Int {
        self.state.withLockedValue { Set($0.watchers.map(\.streamID)).count }
    }

    func put(_ request: Etcdserverpb_PutRequest) -> Etcdserverpb_PutResponse {
        self.state.withLockedValue { state in
            state.revision += 1
            let previous = state.keys[request.key]
            var kv = Mvccpb_KeyValue()
            kv.key = request.key
            kv.value = request.value
            kv.lease = request.lease
            kv.modRevision = state.revision
            kv.createRevision = previous?.createRevision ?? state.revision
            kv.version = (previous?.version ?? 0) + 1
            state.keys[request.key] = kv
            var event = Mvccpb_Event()
            event.type = .put
            event.kv = kv
            if let previous { event.prevKv = previous }
            self.publish(event, state: &state)
            var response = Etcdserverpb_PutResponse()
            response.header = self.header(revision: state.revision)
            if request.prevKv, let previous { response.prevKv = previous }
            return response
        }
    }

    func range(_ request: Etcdserverpb_RangeRequest) -> Etcdserverpb_RangeResponse {
        self.state.withLockedValue { state in
            var matches = state.keys.values.filter { Self.contains($0.key, key: request.key, rangeEnd: request.rangeEnd) }
            matches.sort { $0.key.lexicographicallyPrecedes($1.key) }
            var response = Etcdserverpb_RangeResponse()
            response.header = self.header(revision: state.revision)
            response.count = Int64(matches.count)
            if request.countOnly { return response }
            if request.limit > 0 && matches.count > Int(request.limit) {
                matches = Array(matches.prefix(Int(request.limit)))
                response.more = true
            }
            if request.keysOnly {
                matches = matches.map { kv in
                    var kv = kv
                    kv.value = Data()
                    return kv
                }
            }
            response.kvs = matches
            return response
        }
    }

    func deleteRange(_ request: Etcdserverpb_DeleteRangeRequest) -> Etcdserverpb_DeleteRangeResponse {
        self.state.withLockedValue { state in
            let doomed = state.keys.values.filter { Self.contains($0.key, key: request.key, rangeEnd: request.rangeEnd) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            if !doomed.isEmpty { state.revision += 1 }
            for kv in doomed {
                state.keys[kv.key] = nil
                var event = Mvccpb_Event()
                event.type = .delete
                event.kv.key = kv.key
                event.kv.modRevision = state.revision
                event.prevKv = kv
                self.publish(event, state: &state)
            }
            var response = Etcdserverpb_DeleteRangeResponse()
            response.header = self.header(revision: state.revision)
            response.deleted = Int64(doomed.count)
            if request.prevKv { response.prevKvs = doomed }
            return response
        }
    }

    /// Adds a watcher and answers `created`; replays the history from `start_revision` first.
    func watch(
        _ request: Etcdserverpb_WatchCreateRequest, stream: GRPCResponseStream<Etcdserverpb_WatchResponse>
    ) {
        self.state.withLockedValue { state in
            let watchID = request.watchID != 0 ? request.watchID : state.nextWatchID
            state.nextWatchID = max(state.nextWatchID, watchID) + 1
            var created = Etcdserverpb_WatchResponse()
            created.header = self.header(revision: state.revision)
            created.watchID = watchID
            created.created = true
            stream.send(created)
            let watcher = Watcher(
                streamID: ObjectIdentifier(stream.call), watchID: watchID, key: request.key,
                rangeEnd: request.rangeEnd, stream: stream)
            if request.startRevision > 0 {
                let past = state.history.filter {
                    $0.kv.modRevision >= request.startRevision
                        && Self.contains($0.kv.key, key: request.key, rangeEnd: request.rangeEnd)
                }
                if !past.isEmpty {
                    var response = Etcdserverpb_WatchResponse()
                    response.header = self.header(revision: state.revision)
                    response.watchID = watchID
                    response.events = past
                    stream.send(response)
                }
            }
            state.watchers.append(watcher)
        }
    }

    func cancelWatch(_ watchID: Int64, stream: GRPCResponseStream<Etcdserverpb_WatchResponse>) {
        self.state.withLockedValue { state in
            let id = ObjectIdentifier(stream.call)
            state.watchers.removeAll { $0.streamID == id && $0.watchID == watchID }
            var response = Etcdserverpb_WatchResponse()
            response.header = self.header(revision: state.revision)
            response.watchID = watchID
            response.canceled = true
            stream.send(response)
        }
    }

    /// Drops every watcher of a stream that ended.
    func removeWatchers(of call: GRPCServerCall) {
        let id = ObjectIdentifier(call)
        self.state.withLockedValue { $0.watchers.removeAll { $0.streamID == id } }
    }

    /// Records the event and sends it to the matching watchers. Under the lock, so that every
    /// watcher sees events in revision order.
    private func publish(_ event: Mvccpb_Event, state: inout State) {
        state.history.append(event)
        for watcher in state.watchers where Self.contains(event.kv.key, key: watcher.key, rangeEnd: watcher.rangeEnd) {
            var response = Etcdserverpb_WatchResponse()
            response.header = self.header(revision: state.revision)
            response.watchID = watcher.watchID
            response.events = [event]
            watcher.stream.send(response)
        }
    }

    /// etcd's range rule: no `range_end` is the key alone; `range_end` "\0" is every key from
    /// `key` on; otherwise the half-open range [key, range_end).
    static func contains(_ candidate: Data, key: Data, rangeEnd: Data) -> Bool {
        if rangeEnd.isEmpty { return candidate == key }
        if candidate.lexicographicallyPrecedes(key) { return false }
        if rangeEnd == Data([0]) { return true }
        return candidate.lexicographicallyPrecedes(rangeEnd)
    }
}
