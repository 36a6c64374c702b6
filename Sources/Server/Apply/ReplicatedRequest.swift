import EtcdAPI
import SwiftProtobuf

/// What a proposal carries through the Raft log: one request, as a kind byte and then the
/// request's protobuf bytes (etcd's own messages, so the log holds the wire format).
enum ReplicatedRequest {
    case put(Etcdserverpb_PutRequest)
    case deleteRange(Etcdserverpb_DeleteRangeRequest)
    case txn(Etcdserverpb_TxnRequest)
    case compaction(Etcdserverpb_CompactionRequest)
    /// A member announces its name and client URLs once it serves (etcd's "publish").
    case publishMember(Etcdserverpb_Member)
    /// A member's peer URLs change (MemberUpdate).
    case updateMember(Etcdserverpb_MemberUpdateRequest)
    /// An alarm raised or disarmed.
    case alarm(Etcdserverpb_AlarmRequest)

    private enum Kind: UInt8 {
        case put = 1, deleteRange, txn, compaction, publishMember, updateMember, alarm
    }

    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    func encoded() -> [UInt8] {
        let (kind, message): (Kind, any SwiftProtobuf.Message) = switch self {
        case .put(let r): (.put, r)
        case .deleteRange(let r): (.deleteRange, r)
        case .txn(let r): (.txn, r)
        case .compaction(let r): (.compaction, r)
        case .publishMember(let r): (.publishMember, r)
        case .updateMember(let r): (.updateMember, r)
        case .alarm(let r): (.alarm, r)
        }
        // Serializing a message built in memory cannot fail (no unset required fields in proto3).
        let body: [UInt8] = try! message.serializedBytes()
        return [kind.rawValue] + body
    }

    init(decoding bytes: [UInt8]) throws {
        guard let first = bytes.first, let kind = Kind(rawValue: first) else {
            throw DecodingError(description: "unknown replicated request kind \(bytes.first.map(String.init) ?? "(empty)")")
        }
        let body = bytes[1...]
        switch kind {
        case .put: self = .put(try Etcdserverpb_PutRequest(serializedBytes: body))
        case .deleteRange: self = .deleteRange(try Etcdserverpb_DeleteRangeRequest(serializedBytes: body))
        case .txn: self = .txn(try Etcdserverpb_TxnRequest(serializedBytes: body))
        case .compaction: self = .compaction(try Etcdserverpb_CompactionRequest(serializedBytes: body))
        case .publishMember: self = .publishMember(try Etcdserverpb_Member(serializedBytes: body))
        case .updateMember: self = .updateMember(try Etcdserverpb_MemberUpdateRequest(serializedBytes: body))
        case .alarm: self = .alarm(try Etcdserverpb_AlarmRequest(serializedBytes: body))
        }
    }
}
