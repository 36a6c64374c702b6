import EtcdAPI
import Storage

/// The cluster's own replicated state in the state environment's `cluster` records: members
/// (etcd's `Member` message, keyed by ID) and raised alarms. Written only by the applier, so
/// every member holds the same records at the same applied index, and snapshots carry them.
enum ClusterRecords {
    static let memberPrefix: [UInt8] = Array("member/".utf8)
    static let alarmPrefix: [UInt8] = Array("alarm/".utf8)

    static func memberKey(_ id: UInt64) -> [UInt8] {
        memberPrefix + withUnsafeBytes(of: id.bigEndian) { Array($0) }
    }

    static func alarmKey(member: UInt64, alarm: Etcdserverpb_AlarmType) -> [UInt8] {
        alarmPrefix + withUnsafeBytes(of: member.bigEndian) { Array($0) } + [UInt8(truncatingIfNeeded: alarm.rawValue)]
    }

    /// The members, in ID order.
    static func members(in store: MVCCStore) throws -> [Etcdserverpb_Member] {
        try store.clusterRecords(prefix: memberPrefix).map { try Etcdserverpb_Member(serializedBytes: $0.value) }
    }

    static func alarms(in store: MVCCStore) throws -> [Etcdserverpb_AlarmMember] {
        try store.clusterRecords(prefix: alarmPrefix).map { try Etcdserverpb_AlarmMember(serializedBytes: $0.value) }
    }
}
