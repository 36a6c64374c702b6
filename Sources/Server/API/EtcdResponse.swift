import EtcdAPI
import SwiftProtobuf

/// A response that starts with etcd's `ResponseHeader`, which the server fills in as it
/// answers (cluster, member, term), after the applier set the revision.
protocol EtcdResponse: SwiftProtobuf.Message, Sendable {
    var header: Etcdserverpb_ResponseHeader { get set }
}

extension Etcdserverpb_RangeResponse: EtcdResponse {}
extension Etcdserverpb_PutResponse: EtcdResponse {}
extension Etcdserverpb_DeleteRangeResponse: EtcdResponse {}
extension Etcdserverpb_TxnResponse: EtcdResponse {}
extension Etcdserverpb_CompactionResponse: EtcdResponse {}
extension Etcdserverpb_StatusResponse: EtcdResponse {}
extension Etcdserverpb_AlarmResponse: EtcdResponse {}
extension Etcdserverpb_HashResponse: EtcdResponse {}
extension Etcdserverpb_HashKVResponse: EtcdResponse {}
extension Etcdserverpb_DefragmentResponse: EtcdResponse {}
extension Etcdserverpb_MoveLeaderResponse: EtcdResponse {}
extension Etcdserverpb_SnapshotResponse: EtcdResponse {}
extension Etcdserverpb_MemberListResponse: EtcdResponse {}
extension Etcdserverpb_MemberAddResponse: EtcdResponse {}
extension Etcdserverpb_MemberRemoveResponse: EtcdResponse {}
extension Etcdserverpb_MemberUpdateResponse: EtcdResponse {}
extension Etcdserverpb_MemberPromoteResponse: EtcdResponse {}
