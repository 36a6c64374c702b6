import EtcdAPI
import Raft

/// What `endpoint quorum` tells an operator (SPEC F6, B3): who votes, how many must agree, how
/// many answer now, and what losing one more voter would do. Computed from the member list and
/// each member's own Status answer, so it needs nothing beyond etcd's API.
struct QuorumReport {
    /// One member and whether it answered.
    struct Member {
        let member: Etcdserverpb_Member
        /// Its Status answer, or why there was none.
        let status: Result<Etcdserverpb_StatusResponse, CtlError>

        var isUp: Bool { if case .success = self.status { true } else { false } }
        var isVoter: Bool { !self.member.isLearner }
        /// The name, or "unstarted" for a member added but not yet running (as etcdctl's list).
        var name: String { self.member.name.isEmpty ? "unstarted" : self.member.name }
    }

    let members: [Member]

    var voters: [Member] { self.members.filter(\.isVoter) }
    var learners: Int { self.members.count - self.voters.count }
    var quorum: Quorum { Quorum(voters: self.voters.count) }
    var votersUp: Int { self.voters.filter(\.isUp).count }

    /// The leader the members that answered name (they agree unless an election is under way).
    var leader: UInt64? {
        let named = self.members.compactMap { try? $0.status.get().leader }.filter { $0 != 0 }
        return Dictionary(grouping: named, by: { $0 }).max { $0.value.count < $1.value.count }?.key
    }

    /// True while enough voters answer to elect a leader and commit, and they know one.
    /// The leader matters too: a voter added but never started counts in the members' Raft
    /// configuration before its record is in the member list, and a split vote has none yet.
    var isServing: Bool { self.quorum.tolerance(up: self.votersUp) >= 0 && self.leader != nil }

    /// The summary lines, the same in every text format.
    var summary: [String] {
        let quorum = self.quorum
        let up = self.votersUp
        let total = self.voters.count
        var lines = [
            "members: \(self.members.count) (\(total) voting, \(self.learners) learner\(self.learners == 1 ? "" : "s"))",
            "quorum: \(quorum.size) of \(total) voting members; \(Self.failures(quorum.tolerance)) tolerated at full strength",
        ]
        let leaderName = self.leader.flatMap { id in self.members.first { $0.member.id == id }?.name }
        lines.append("reachable now: \(up) of \(total) voting members; leader: \(leaderName ?? "none known")")
        if leaderName == nil && up > 0 {
            lines.append("no reachable member knows a leader: writes and linearizable reads fail until one is elected")
        }
        let now = quorum.tolerance(up: up)
        if now >= 0 {
            lines.append("failures tolerated now: \(now)")
        } else {
            lines.append("failures tolerated now: none, the quorum is lost: \(-now) more voting member\(now == -1 ? "" : "s") must return before writes and linearizable reads work again")
        }
        lines.append("if one more voting member fails: " + self.oneMoreFailure)
        if let advice = quorum.evenSizeAdvice { lines.append("advice: " + advice) }
        return lines
    }

    /// The answer to "what would losing one more member do?".
    private var oneMoreFailure: String {
        let quorum = self.quorum
        let after = self.votersUp - 1
        guard after >= 0 else { return "no voting member is reachable now" }
        let left = quorum.tolerance(up: after)
        if left > 0 { return "\(after) of \(self.voters.count) left, the quorum holds, \(Self.failures(left)) still tolerated" }
        if left == 0 { return "\(after) of \(self.voters.count) left, the quorum holds, no further failure tolerated" }
        if after + 1 >= quorum.size {
            return "\(after) of \(self.voters.count) left, below the quorum of \(quorum.size): writes and linearizable reads stop until a member returns"
        }
        return "\(after) of \(self.voters.count) left; the quorum of \(quorum.size) is already lost"
    }

    private static func failures(_ count: Int) -> String { count == 1 ? "1 failure" : "\(count) failures" }
}
