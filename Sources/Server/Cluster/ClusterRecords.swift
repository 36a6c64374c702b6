import EtcdAPI
import Storage

/// The cluster's own replicated state in the state environment's `cluster` records: members
/// (etcd's `Member` message, keyed by ID), the IDs of removed members (etcd's
/// `members_removed`: a removed ID is refused for good) and raised alarms. Written only by the applier, so
/// every member holds the same records at the same applied index, and snapshots carry them.
enum ClusterRecords {
    static let memberPrefix: [UInt8] = Array("member/".utf8)
    static let alarmPrefix: [UInt8] = Array("alarm/".utf8)
    static let removedPrefix: [UInt8] = Array("removed/".utf8)

    static func memberKey(_ id: UInt64) -> [UInt8] {
        memberPrefix + withUnsafeBytes(of: id.bigEndian) { Array($0) }
    }

    static func removedKey(_ id: UInt64) -> [UInt8] {
        removedPrefix + withUnsafeBytes(of: id.bigEndian) { Array($0) }
    }

    static func alarmKey(member: UInt64, alarm: Etcdserverpb_AlarmType) -> [UInt8] {
        alarmPrefix + withUnsafeBytes(of: member.bigEndian) { Array($0) } + [UInt8(truncatingIfNeeded: alarm.rawValue)]
    }

    /// The members, in ID order.
    static func members(in store: MVCCStore) throws -> [Etcdserverpb_Member] {
        try store.clusterRecords(prefix: memberPrefix).map { try Etcdserverpb_Member(serializedBytes: $0.value) }
    }

    /// The IDs of every member ever removed from the cluster.
    static func removedIDs(in store: MVCCStore) throws -> Set<UInt64> {
        Set(try store.clusterRecords(prefix: removedPrefix).map { record in
            record.key.dropFirst(removedPrefix.count).reduce(0) { $0 << 8 | UInt64($1) }
        })
    }

    static func alarms(in store: MVCCStore) throws -> [Etcdserverpb_AlarmMember] {
        try store.clusterRecords(prefix: alarmPrefix).map { try Etcdserverpb_AlarmMember(serializedBytes: $0.value) }
    }
}
