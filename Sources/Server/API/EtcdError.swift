import GRPCWire
import Storage

/// etcd's gRPC errors (`api/v3rpc/rpctypes`): the code and the text clients match on.
enum EtcdError {
    static let noLeader = GRPCStatus(.unavailable, "etcdserver: no leader")
    static let timeout = GRPCStatus(.unavailable, "etcdserver: request timed out")
    static let leaderChanged = GRPCStatus(.unavailable, "etcdserver: leader changed")
    static let stopped = GRPCStatus(.unavailable, "etcdserver: server stopped")
    static let tooManyRequests = GRPCStatus(.resourceExhausted, "etcdserver: too many requests")
    static let spaceExceeded = GRPCStatus(.resourceExhausted, "etcdserver: mvcc: database space exceeded")
    static let requestTooLarge = GRPCStatus(.invalidArgument, "etcdserver: request is too large")
    static let leaseNotFound = GRPCStatus(.notFound, "etcdserver: requested lease not found")
    static let memberNotFound = GRPCStatus(.notFound, "etcdserver: member not found")
    static let memberIDExists = GRPCStatus(.failedPrecondition, "etcdserver: member ID already exist")
    static let peerURLExists = GRPCStatus(.failedPrecondition, "etcdserver: Peer URLs already exists")
    static let memberNotLearner = GRPCStatus(.failedPrecondition, "etcdserver: can only promote a learner member")
    static let learnerNotReady = GRPCStatus(.failedPrecondition, "etcdserver: can only promote a learner member which is in sync with leader")
    static let memberBadURLs = GRPCStatus(.invalidArgument, "etcdserver: given member URLs are invalid")
    static let notEnoughStartedMembers = GRPCStatus(.failedPrecondition, "etcdserver: re-configuration failed due to not enough started members")
    static let tooManyLearners = GRPCStatus(.failedPrecondition, "etcdserver: too many learner members in cluster")
    static let unhealthyCluster = GRPCStatus(.unavailable, "etcdserver: unhealthy cluster")
    static let notLeader = GRPCStatus(.failedPrecondition, "etcdserver: not leader")
    static let badLeaderTransferee = GRPCStatus(.failedPrecondition, "etcdserver: bad leader transferee")

    static func status(_ error: NodeError) -> GRPCStatus {
        switch error {
        case .noLeader: noLeader
        case .timeout: timeout
        case .tooManyRequests: tooManyRequests
        case .leaderChanged: leaderChanged
        case .stopped: stopped
        case .refused: GRPCStatus(.unavailable, error.description)
        }
    }

    static func status(_ error: MVCCError) -> GRPCStatus {
        switch error {
        case .compacted, .futureRevision: GRPCStatus(.outOfRange, error.description)
        default: GRPCStatus(.invalidArgument, error.description)
        }
    }

    /// A request's failure as the client sees it; storage failures are internal errors.
    static func status(_ error: any Error) -> GRPCStatus {
        switch error {
        case let error as GRPCStatus: error
        case let error as MVCCError: status(error)
        case let error as NodeError: status(error)
        case StorageError.spaceExceeded: spaceExceeded
        default: GRPCStatus(.unknown, "\(error)")
        }
    }
}
