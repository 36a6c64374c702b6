import GRPCWire
import NIOCore
import NIOPosix
import SwiftProtobuf

/// etcd's gRPC method paths.
enum EtcdMethod {
    static let range = "/etcdserverpb.KV/Range"
    static let put = "/etcdserverpb.KV/Put"
    static let deleteRange = "/etcdserverpb.KV/DeleteRange"
    static let txn = "/etcdserverpb.KV/Txn"
    static let compact = "/etcdserverpb.KV/Compact"
    static let watch = "/etcdserverpb.Watch/Watch"
    static let leaseGrant = "/etcdserverpb.Lease/LeaseGrant"
    static let leaseRevoke = "/etcdserverpb.Lease/LeaseRevoke"
    static let leaseKeepAlive = "/etcdserverpb.Lease/LeaseKeepAlive"
    static let leaseTimeToLive = "/etcdserverpb.Lease/LeaseTimeToLive"
    static let leaseLeases = "/etcdserverpb.Lease/LeaseLeases"
    static let memberAdd = "/etcdserverpb.Cluster/MemberAdd"
    static let memberRemove = "/etcdserverpb.Cluster/MemberRemove"
    static let memberUpdate = "/etcdserverpb.Cluster/MemberUpdate"
    static let memberList = "/etcdserverpb.Cluster/MemberList"
    static let memberPromote = "/etcdserverpb.Cluster/MemberPromote"
    static let alarm = "/etcdserverpb.Maintenance/Alarm"
    static let status = "/etcdserverpb.Maintenance/Status"
    static let defragment = "/etcdserverpb.Maintenance/Defragment"
    static let hashKV = "/etcdserverpb.Maintenance/HashKV"
    static let snapshot = "/etcdserverpb.Maintenance/Snapshot"
    static let moveLeader = "/etcdserverpb.Maintenance/MoveLeader"
}
