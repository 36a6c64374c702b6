import EtcdAPI
import Foundation

/// etcd's responses as etcdctl's `-w json` prints them: `json.Marshal` of the gogoproto structs,
/// whose JSON names are the proto field names (`cluster_id`) or the Go names a few messages set
/// (`dbSize`, `peerURLs`), every field `omitempty`, a message that is absent left out.
enum EtcdJSON {
    static func header(_ header: Etcdserverpb_ResponseHeader) -> JSONValue {
        JSONObject(headerFields: header).value
    }

    static func keyValue(_ kv: Mvccpb_KeyValue) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("key", kv.key)
        object.omitEmpty("create_revision", kv.createRevision)
        object.omitEmpty("mod_revision", kv.modRevision)
        object.omitEmpty("version", kv.version)
        object.omitEmpty("value", kv.value)
        object.omitEmpty("lease", kv.lease)
        return object.value
    }

    static func event(_ event: Mvccpb_Event) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("type", Int64(event.type.rawValue))
        object.omitEmpty("kv", event.hasKv ? self.keyValue(event.kv) : nil)
        object.omitEmpty("prev_kv", event.hasPrevKv ? self.keyValue(event.prevKv) : nil)
        return object.value
    }

    static func range(_ response: Etcdserverpb_RangeResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("kvs", response.kvs.map(Self.keyValue))
        object.omitEmpty("more", response.more)
        object.omitEmpty("count", response.count)
        return object.value
    }

    static func put(_ response: Etcdserverpb_PutResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("prev_kv", response.hasPrevKv ? self.keyValue(response.prevKv) : nil)
        return object.value
    }

    static func deleteRange(_ response: Etcdserverpb_DeleteRangeResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("deleted", response.deleted)
        object.omitEmpty("prev_kvs", response.prevKvs.map(Self.keyValue))
        return object.value
    }

    static func txn(_ response: Etcdserverpb_TxnResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("succeeded", response.succeeded)
        object.omitEmpty("responses", response.responses.map(Self.responseOp))
        return object.value
    }

    /// A oneof is a Go interface field named after the oneof, holding a wrapper struct whose one
    /// field has no JSON tag: `{"Response":{"ResponsePut":{…}}}`.
    static func responseOp(_ op: Etcdserverpb_ResponseOp) -> JSONValue {
        let inner: (String, JSONValue)?
        switch op.response {
        case .responseRange(let range): inner = ("ResponseRange", self.range(range))
        case .responsePut(let put): inner = ("ResponsePut", self.put(put))
        case .responseDeleteRange(let deleted): inner = ("ResponseDeleteRange", self.deleteRange(deleted))
        case .responseTxn(let txn): inner = ("ResponseTxn", self.txn(txn))
        case nil: inner = nil
        }
        var object = JSONObject()
        object.omitEmpty("Response", inner.map { JSONValue.object([$0]) })
        return object.value
    }

    /// clientv3's `WatchResponse`: a plain Go struct, so its fields are neither renamed nor
    /// omitted; clientv3 always makes its event list, so no events is `[]`.
    static func watch(_ response: Etcdserverpb_WatchResponse) -> JSONValue {
        .object([
            ("Header", self.header(response.header)),
            ("Events", JSONValue.array(response.events.map(Self.event))),
            ("CompactRevision", .int(response.compactRevision)),
            ("Canceled", .bool(response.canceled)),
            ("Created", .bool(response.created)),
        ])
    }

    static func member(_ member: Etcdserverpb_Member) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("ID", member.id)
        object.omitEmpty("name", member.name)
        object.omitEmpty("peerURLs", member.peerUrls.map(JSONValue.string))
        object.omitEmpty("clientURLs", member.clientUrls.map(JSONValue.string))
        object.omitEmpty("isLearner", member.isLearner)
        return object.value
    }

    /// The member responses (list, add, remove, update, promote): a header, perhaps the member
    /// added, and the members after the change.
    static func members(
        header: Etcdserverpb_ResponseHeader?, member: Etcdserverpb_Member? = nil, members: [Etcdserverpb_Member]
    ) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", header.map(self.header))
        object.omitEmpty("member", member.map(self.member))
        object.omitEmpty("members", members.map(Self.member))
        return object.value
    }

    static func status(_ response: Etcdserverpb_StatusResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("version", response.version)
        object.omitEmpty("dbSize", response.dbSize)
        object.omitEmpty("leader", response.leader)
        object.omitEmpty("raftIndex", response.raftIndex)
        object.omitEmpty("raftTerm", response.raftTerm)
        object.omitEmpty("raftAppliedIndex", response.raftAppliedIndex)
        object.omitEmpty("errors", response.errors.map(JSONValue.string))
        object.omitEmpty("dbSizeInUse", response.dbSizeInUse)
        object.omitEmpty("isLearner", response.isLearner)
        return object.value
    }

    static func hashKV(_ response: Etcdserverpb_HashKVResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        object.omitEmpty("hash", UInt64(response.hash))
        object.omitEmpty("compact_revision", response.compactRevision)
        return object.value
    }

    static func alarm(_ response: Etcdserverpb_AlarmResponse) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", response.hasHeader ? self.header(response.header) : nil)
        let alarms: [JSONValue] = response.alarms.map { (alarm: Etcdserverpb_AlarmMember) -> JSONValue in
            var member = JSONObject()
            member.omitEmpty("memberID", alarm.memberID)
            member.omitEmpty("alarm", Int64(alarm.alarm.rawValue))
            return member.value
        }
        object.omitEmpty("alarms", alarms)
        return object.value
    }

    /// Responses that carry nothing but their header (move-leader, lease revoke).
    static func headerOnly(_ header: Etcdserverpb_ResponseHeader?) -> JSONValue {
        var object = JSONObject()
        object.omitEmpty("header", header.map(self.header))
        return object.value
    }
}

extension JSONObject {
    /// The response header's fields; clientv3's lease responses embed the header, so these
    /// appear at the top level of their JSON.
    init(headerFields header: Etcdserverpb_ResponseHeader?) {
        self.init()
        guard let header else { return }
        self.omitEmpty("cluster_id", header.clusterID)
        self.omitEmpty("member_id", header.memberID)
        self.omitEmpty("revision", header.revision)
        self.omitEmpty("raft_term", header.raftTerm)
    }
}
