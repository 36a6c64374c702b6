import EtcdAPI
import Foundation
import Storage

// Between etcd's protobuf messages (the wire) and the storage engine's requests (field for
// field the same, in plain Swift types). The only place where the two meet.

extension RangeRequest {
    init(_ r: Etcdserverpb_RangeRequest) {
        self.init(
            key: [UInt8](r.key), rangeEnd: [UInt8](r.rangeEnd), limit: r.limit, revision: r.revision,
            sortOrder: Self.sortOrder(r.sortOrder), sortTarget: Self.sortTarget(r.sortTarget),
            serializable: r.serializable, keysOnly: r.keysOnly, countOnly: r.countOnly,
            minModRevision: r.minModRevision, maxModRevision: r.maxModRevision,
            minCreateRevision: r.minCreateRevision, maxCreateRevision: r.maxCreateRevision)
    }

    private static func sortOrder(_ order: Etcdserverpb_RangeRequest.SortOrder) -> SortOrder {
        switch order {
        case .ascend: .ascend
        case .descend: .descend
        default: .none
        }
    }

    private static func sortTarget(_ target: Etcdserverpb_RangeRequest.SortTarget) -> SortTarget {
        switch target {
        case .version: .version
        case .create: .create
        case .mod: .mod
        case .value: .value
        default: .key
        }
    }
}

extension PutRequest {
    init(_ r: Etcdserverpb_PutRequest) {
        self.init(key: [UInt8](r.key), value: [UInt8](r.value), lease: r.lease, prevKV: r.prevKv,
                  ignoreValue: r.ignoreValue, ignoreLease: r.ignoreLease)
    }
}

extension DeleteRangeRequest {
    init(_ r: Etcdserverpb_DeleteRangeRequest) {
        self.init(key: [UInt8](r.key), rangeEnd: [UInt8](r.rangeEnd), prevKV: r.prevKv)
    }
}

extension Compare {
    /// etcd compares what `target` names; the union holds its operand (absent: the zero value).
    init(_ c: Etcdserverpb_Compare) {
        let target: Target = switch c.target {
        case .create: .createRevision(c.createRevision)
        case .mod: .modRevision(c.modRevision)
        case .value: .value([UInt8](c.value))
        case .lease: .lease(c.lease)
        default: .version(c.version)
        }
        let result: Result = switch c.result {
        case .greater: .greater
        case .less: .less
        case .notEqual: .notEqual
        default: .equal
        }
        self.init(key: [UInt8](c.key), rangeEnd: [UInt8](c.rangeEnd), target: target, result: result)
    }
}

extension RequestOp {
    /// nil for an op with no request set, which etcd refuses.
    init?(_ op: Etcdserverpb_RequestOp) {
        switch op.request {
        case .requestRange(let r): self = .range(RangeRequest(r))
        case .requestPut(let r): self = .put(PutRequest(r))
        case .requestDeleteRange(let r): self = .deleteRange(DeleteRangeRequest(r))
        case .requestTxn(let r):
            guard let txn = TxnRequest(r) else { return nil }
            self = .txn(txn)
        case nil: return nil
        }
    }
}

extension TxnRequest {
    init?(_ t: Etcdserverpb_TxnRequest) {
        var success: [RequestOp] = []
        var failure: [RequestOp] = []
        for op in t.success {
            guard let converted = RequestOp(op) else { return nil }
            success.append(converted)
        }
        for op in t.failure {
            guard let converted = RequestOp(op) else { return nil }
            failure.append(converted)
        }
        self.init(compare: t.compare.map(Compare.init), success: success, failure: failure)
    }
}

extension Mvccpb_KeyValue {
    init(_ kv: KeyValue) {
        self.init()
        key = Data(kv.key)
        createRevision = kv.createRevision
        modRevision = kv.modRevision
        version = kv.version
        value = Data(kv.value)
        lease = kv.lease
    }
}

extension Etcdserverpb_RangeResponse {
    init(_ r: RangeResponse) {
        self.init()
        header.revision = r.revision
        kvs = r.kvs.map(Mvccpb_KeyValue.init)
        more = r.more
        count = r.count
    }
}

extension Etcdserverpb_PutResponse {
    init(_ r: PutResponse) {
        self.init()
        header.revision = r.revision
        if let previous = r.prevKV { prevKv = Mvccpb_KeyValue(previous) }
    }
}

extension Etcdserverpb_DeleteRangeResponse {
    init(_ r: DeleteRangeResponse) {
        self.init()
        header.revision = r.revision
        deleted = r.deleted
        prevKvs = r.prevKVs.map(Mvccpb_KeyValue.init)
    }
}

extension Etcdserverpb_TxnResponse {
    init(_ r: TxnResponse) {
        self.init()
        header.revision = r.revision
        succeeded = r.succeeded
        responses = r.responses.map(Etcdserverpb_ResponseOp.init)
    }
}

extension Etcdserverpb_ResponseOp {
    /// Responses inside a Txn carry a header with the revision, as etcd's do.
    init(_ op: ResponseOp) {
        self.init()
        switch op {
        case .range(let r): response = .responseRange(Etcdserverpb_RangeResponse(r))
        case .put(let r): response = .responsePut(Etcdserverpb_PutResponse(r))
        case .deleteRange(let r): response = .responseDeleteRange(Etcdserverpb_DeleteRangeResponse(r))
        case .txn(let r): response = .responseTxn(Etcdserverpb_TxnResponse(r))
        }
    }
}
