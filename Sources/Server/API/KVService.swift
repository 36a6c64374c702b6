import EtcdAPI
import GRPCWire
import Storage

/// etcd's KV service: writes through the log, reads by ReadIndex or from local state.
enum KVService {
    static func methods(_ context: ServiceContext) -> [GRPCServerMethod] {
        [
            .unary("/etcdserverpb.KV/Range") { (request: Etcdserverpb_RangeRequest, responder: GRPCUnaryResponder<Etcdserverpb_RangeResponse>) in
                let range = RangeRequest(request)
                do {
                    try range.validate()
                } catch {
                    responder.fail(EtcdError.status(error))
                    return
                }
                context.read(serializable: request.serializable, responder) {
                    Etcdserverpb_RangeResponse(try context.store.range(range))
                }
            },
            .unary("/etcdserverpb.KV/Put") { (request: Etcdserverpb_PutRequest, responder: GRPCUnaryResponder<Etcdserverpb_PutResponse>) in
                do {
                    try PutRequest(request).validate()
                } catch {
                    responder.fail(EtcdError.status(error))
                    return
                }
                context.propose(.put(request), responder, checkingQuota: true)
            },
            .unary("/etcdserverpb.KV/DeleteRange") { (request: Etcdserverpb_DeleteRangeRequest, responder: GRPCUnaryResponder<Etcdserverpb_DeleteRangeResponse>) in
                do {
                    try DeleteRangeRequest(request).validate()
                } catch {
                    responder.fail(EtcdError.status(error))
                    return
                }
                context.propose(.deleteRange(request), responder)
            },
            .unary("/etcdserverpb.KV/Txn") { (request: Etcdserverpb_TxnRequest, responder: GRPCUnaryResponder<Etcdserverpb_TxnResponse>) in
                guard let txn = TxnRequest(request) else {
                    responder.fail(GRPCStatus(.invalidArgument, "etcdserver: key is not provided"))
                    return
                }
                do {
                    try txn.validate()
                } catch {
                    responder.fail(EtcdError.status(error))
                    return
                }
                context.propose(.txn(request), responder, checkingQuota: txn.writes)
            },
            .unary("/etcdserverpb.KV/Compact") { (request: Etcdserverpb_CompactionRequest, responder: GRPCUnaryResponder<Etcdserverpb_CompactionResponse>) in
                context.propose(.compaction(request), responder)
            },
        ]
    }
}

extension TxnRequest {
    /// Whether any branch writes (a read-only Txn passes the space quota).
    var writes: Bool {
        (success + failure).contains { op in
            switch op {
            case .range: false
            case .put, .deleteRange: true
            case .txn(let nested): nested.writes
            }
        }
    }
}
