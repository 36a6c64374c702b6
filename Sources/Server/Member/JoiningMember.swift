import EtcdAPI
import NIOCore
import Transport

/// A member started with `--initial-cluster-state existing` and an empty data directory joins
/// a running cluster that already knows it (`member add`): it asks the members that
/// `--initial-cluster` names for the member list and takes the ID `MemberAdd` gave its peer
/// URLs, as etcd does (`GetClusterFromRemotePeers`, `ValidateClusterAndAssignIDs`).
enum JoiningMember {
    /// The member list of the first running member that answers.
    static func members(of configuration: ServerConfiguration, clusterID: UInt64, group: EventLoopGroup) async throws -> [Etcdserverpb_Member] {
        let tls = try ConcordServer.peerTLS(configuration.peerTLS)
        var failures: [String] = []
        for entry in configuration.resolvedInitialCluster where entry.name != configuration.name {
            for url in entry.peerURLs {
                do {
                    let bytes = try await MembershipQuery.memberList(at: PeerAddress(host: url.host, port: url.port), clusterID: clusterID, tls: tls, group: group)
                    return try Etcdserverpb_MemberListResponse(serializedBytes: bytes).members
                } catch {
                    failures.append("\(url): \(error)")
                }
            }
        }
        throw ConfigurationError("cannot fetch the member list of the cluster to join from --initial-cluster (\(failures.isEmpty ? "it names no other member" : failures.joined(separator: "; ")))")
    }

    /// The ID of the member with exactly these peer URLs.
    static func ownID(in members: [Etcdserverpb_Member], name: String, peerURLs: [String]) throws -> UInt64 {
        guard let own = members.first(where: { Set($0.peerUrls) == Set(peerURLs) }) else {
            throw ConfigurationError("no member of the cluster has the peer URLs \(peerURLs.joined(separator: ",")) of member \"\(name)\": add it first (etcdctl member add \(name) --peer-urls=\(peerURLs.joined(separator: ","))), or start a new cluster with --initial-cluster-state new")
        }
        return own.id
    }
}
