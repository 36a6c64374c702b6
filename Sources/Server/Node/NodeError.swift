import Raft

/// Why a proposal or read did not complete. The messages are etcd's where etcd has one, since
/// clients match on them.
public enum NodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case noLeader
    case timeout
    case tooManyRequests
    case leaderChanged
    case stopped
    case refused(ProposalError)

    public var description: String {
        switch self {
        case .noLeader: "etcdserver: no leader"
        case .timeout: "etcdserver: request timed out"
        case .tooManyRequests: "etcdserver: too many requests"
        case .leaderChanged: "etcdserver: leader changed"
        case .stopped: "etcdserver: server stopped"
        case .refused(let reason): "etcdserver: proposal refused (\(reason))"
        }
    }
}
