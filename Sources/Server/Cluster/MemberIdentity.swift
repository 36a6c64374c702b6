import Foundation

/// How members and clusters get their IDs. An initial member's comes from its peer URLs and
/// the cluster token, as etcd's does, so that every member computes the same IDs from the same
/// `--initial-cluster`. A member added later (`MemberAdd`) also hashes the time of the add, as
/// etcd does, so that a member removed and added again under the same URLs is a new member: a
/// removed ID never comes back, and its old data directory cannot rejoin. Such a member learns
/// its ID from the running members when it starts with `--initial-cluster-state existing`
/// (`MembershipQuery`). A cluster's ID comes from the token alone: give each cluster its own
/// token, as etcd advises. The hash is our own (64-bit FNV-1a, then a SplitMix64 finalizer), so
/// IDs differ from etcd's.
enum MemberIdentity {
    /// - Parameter addedAt: nanoseconds since 1970 for a member added to a running cluster,
    ///   nil for a member of `--initial-cluster`.
    static func memberID(peerURLs: [String], clusterToken: String, addedAt: UInt64? = nil) -> UInt64 {
        let time = addedAt.map { "/\($0)" } ?? ""
        return nonZero(hash(Array((peerURLs.sorted().joined(separator: ",") + "/" + clusterToken + time).utf8)))
    }

    static func clusterID(token: String) -> UInt64 {
        nonZero(hash(Array(("cluster/" + token).utf8)))
    }

    private static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// 0 means "no member" to Raft and etcd alike.
    private static func nonZero(_ id: UInt64) -> UInt64 { id == 0 ? 1 : id }
}
