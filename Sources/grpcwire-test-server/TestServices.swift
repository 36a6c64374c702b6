import EtcdAPI
import GRPCWire
import Foundation
import SwiftProtobuf

/// The etcd methods the test server offers, on a ``MemoryKV``: KV Put/Range/DeleteRange,
/// Watch, and Maintenance.Status (which `etcdctl endpoint status` calls).
struct TestServices {
    let kv: MemoryKV
    /// etcd's `--max-request-bytes`: a longer request is refused with etcd's own error.
    let maxRequestBytes: Int

    var methods: [GRPCServerMethod] {
        let kv = self.kv
        let maxRequestBytes = self.maxRequestBytes
        return [
            .unary("/etcdserverpb.KV/Put") {
                (request: Etcdserverpb_PutRequest, responder: GRPCUnaryResponder<Etcdserverpb_PutResponse>) in
                if let status = Self.check(responder.call, key: request.key, maxRequestBytes: maxRequestBytes) {
                    return responder.fail(status)
                }
                responder.succeed(kv.put(request))
            },
            .unary("/etcdserverpb.KV/Range") {
                (request: Etcdserverpb_RangeRequest, responder: GRPCUnaryResponder<Etcdserverpb_RangeResponse>) in
                if let status = Self.check(responder.call, key: request.key, maxRequestBytes: maxRequestBytes) {
                    return responder.fail(status)
                }
                responder.succeed(kv.range(request))
            },
            .unary("/etcdserverpb.KV/DeleteRange") {
                (
                    request: Etcdserverpb_DeleteRangeRequest,
                    responder: GRPCUnaryResponder<Etcdserverpb_DeleteRangeResponse>
                ) in
                if let status = Self.check(responder.call, key: request.key, maxRequestBytes: maxRequestBytes) {
                    return responder.fail(status)
                }
                responder.succeed(kv.deleteRange(request))
            },
            .bidirectional("/etcdserverpb.Watch/Watch") {
                (stream: GRPCResponseStream<Etcdserverpb_WatchResponse>) -> GRPCRequestObserver<Etcdserverpb_WatchRequest> in
                stream.call.onCancel { _ in kv.removeWatchers(of: stream.call) }
                return GRPCRequestObserver(
                    onMessage: { request in
                        switch request.requestUnion {
                        case .createRequest(let create): kv.watch(create, stream: stream)
                        case .cancelRequest(let cancel): kv.cancelWatch(cancel.watchID, stream: stream)
                        case .progressRequest, nil: break
                        }
                    },
                    onEnd: {
                        // etcd ends the stream when the client half-closes it.
                        kv.removeWatchers(of: stream.call)
                        stream.finish()
                    })
            },
            .unary("/etcdserverpb.Maintenance/Status") {
                (_: Etcdserverpb_StatusRequest, responder: GRPCUnaryResponder<Etcdserverpb_StatusResponse>) in
                var response = Etcdserverpb_StatusResponse()
                response.header = kv.header(revision: kv.revision)
                response.version = Self.version
                response.leader = kv.memberID
                response.raftIndex = UInt64(kv.revision)
                response.raftAppliedIndex = UInt64(kv.revision)
                response.raftTerm = 1
                responder.succeed(response)
            },
        ]
    }

    /// What the server reports as its version (Status, /version).
    static let version = "3.4.0-grpcwire-test"

    /// etcd's answers to requests it refuses before they reach the store.
    private static func check(_ call: GRPCServerCall, key: Data, maxRequestBytes: Int) -> GRPCStatus? {
        if key.isEmpty { return GRPCStatus(.invalidArgument, "etcdserver: key is not provided") }
        if call.lastRequestMessageBytes > maxRequestBytes {
            return GRPCStatus(.invalidArgument, "etcdserver: request is too large")
        }
        return nil
    }
}
