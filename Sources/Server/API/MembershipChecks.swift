import EtcdAPI
import Raft

/// The checks etcd 3.4 makes before a membership change with `--strict-reconfig-check` (its
/// default; `etcdserver/server.go` `mayAddMember`, `mayRemoveMember`, `mayPromoteMember`,
/// `isLearnerReady`; `membership/cluster.go` `IsReadyTo…`), on the member records as this
/// member has applied them.
///
/// A member is *started* once it has published its name (an added member has none until it
/// runs); it is *connected* while this member's peer link to it is up. etcd counts a peer as
/// connected only after 5 s of connection (`HealthInterval`); Concord counts the link as it is.
struct MembershipChecks {
    let members: [Etcdserverpb_Member]
    let removed: Set<UInt64>
    let status: NodeStatus
    let selfID: UInt64
    let isConnected: @Sendable (UInt64) -> Bool

    /// etcd 3.4 allows one learner at a time (`maxLearners`).
    static let maxLearners = 1
    /// A learner is promoted once its log matches at least this share of the leader's.
    static let learnerReadyShare = 0.9

    init(_ context: ServiceContext) throws {
        members = try ClusterRecords.members(in: context.store)
        removed = try ClusterRecords.removedIDs(in: context.store)
        status = context.node.status
        selfID = context.memberID
        isConnected = context.peerConnected
    }

    private var voters: [Etcdserverpb_Member] { members.filter { !$0.isLearner } }

    private func member(_ id: UInt64) throws -> Etcdserverpb_Member {
        guard let member = members.first(where: { $0.id == id }), status.config.isMember(id) else { throw EtcdError.memberNotFound }
        return member
    }

    /// An ID in use now or ever before.
    func isKnown(_ id: UInt64) -> Bool {
        removed.contains(id) || members.contains { $0.id == id }
    }

    func mayAdd(peerURLs: [String], isLearner: Bool) throws {
        try checkURLs(peerURLs, of: nil)
        if isLearner {
            if members.filter(\.isLearner).count >= Self.maxLearners { throw EtcdError.tooManyLearners }
        } else if !isReadyToAddVoter {
            throw EtcdError.notEnoughStartedMembers
        }
        // Every voter must be reachable: the new quorum counts on them.
        guard voters.allSatisfy({ $0.id == selfID || isConnected($0.id) }) else { throw EtcdError.unhealthyCluster }
    }

    func mayRemove(_ id: UInt64) throws {
        let removing = try member(id)
        if removing.isLearner { return }
        let others = voters.filter { $0.id != id }
        let started = others.filter { !$0.name.isEmpty }.count
        if started < others.count / 2 + 1 { throw EtcdError.notEnoughStartedMembers }
        // A member that is down is not part of the working quorum: removing it costs nothing.
        if id != selfID && !isConnected(id) { return }
        let active = voters.filter { $0.id == selfID || isConnected($0.id) }.count
        if active - 1 < 1 + (voters.count - 1) / 2 { throw EtcdError.unhealthyCluster }
    }

    func mayPromote(_ id: UInt64) throws {
        guard try member(id).isLearner else { throw EtcdError.memberNotLearner }
        // The learner counts as started and as a member of the future quorum.
        let started = voters.filter { !$0.name.isEmpty }.count + 1
        if started < (voters.count + 1) / 2 + 1 { throw EtcdError.notEnoughStartedMembers }
    }

    /// On the leader: the learner's log must have nearly caught up with the leader's.
    func isLearnerReady(_ id: UInt64) throws {
        guard status.role == .leader else { throw EtcdError.notLeader }
        guard let learner = status.matchIndex[id] else { return }
        let leader = status.matchIndex[selfID] ?? status.commitIndex
        if Double(learner) < Double(leader) * Self.learnerReadyShare { throw EtcdError.learnerNotReady }
    }

    func mayUpdate(_ id: UInt64, peerURLs: [String]) throws {
        _ = try member(id)
        try checkURLs(peerURLs, of: id)
    }

    /// etcd's `types.NewURLs`: at least one, each http(s)://host:port; none another member's.
    private func checkURLs(_ urls: [String], of id: UInt64?) throws {
        guard !urls.isEmpty, urls.allSatisfy({ (try? ServerURL(parsing: $0)) != nil }) else { throw EtcdError.memberBadURLs }
        if members.contains(where: { $0.id != id && !Set($0.peerUrls).isDisjoint(with: urls) }) { throw EtcdError.peerURLExists }
    }

    /// etcd's `IsReadyToAddVotingMember`: a quorum of the grown voters has started, except that
    /// a second member may always join a single started one (growing a restored cluster).
    private var isReadyToAddVoter: Bool {
        let started = voters.filter { !$0.name.isEmpty }.count
        let members = voters.count + 1
        if started == 1 && members == 2 { return true }
        return started >= members / 2 + 1
    }
}
