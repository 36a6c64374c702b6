import Foundation

/// How members and clusters get their IDs. A member's comes from its peer URLs and the
/// cluster token, as etcd's does, so that every member computes the same IDs from the same
/// `--initial-cluster`, and a member added later computes its own from its URLs when it starts
/// with `--initial-cluster-state existing` (etcd asks the running members instead). A cluster's
/// comes from the token alone, for the same reason: give each cluster its own token, as etcd
/// advises. The hash is our own (64-bit FNV-1a, then a SplitMix64 finalizer), so IDs differ
/// from etcd's.
enum MemberIdentity {
    static func memberID(peerURLs: [String], clusterToken: String) -> UInt64 {
        nonZero(hash(Array((peerURLs.sorted().joined(separator: ",") + "/" + clusterToken).utf8)))
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
