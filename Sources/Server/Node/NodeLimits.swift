/// The bounds of the run loop. Every queue is bounded; when one is full the caller is told
/// "etcdserver: too many requests" rather than the server growing without limit.
public enum NodeLimits {
    /// Events waiting for the loop (proposals, reads, peer messages).
    public static let mailboxEventsMax = 65_536
    /// Proposals handed to the core in one batch (one log append, one fsync).
    public static let proposalsPerBatchMax = 4_096
    /// Proposals appended and waiting to be applied.
    public static let waitingProposalsMax = 65_536
    /// Reads waiting for a read index or for the applied index to reach it.
    public static let waitingReadsMax = 65_536
}

extension NodeLimits {
    /// How long a read index request may go unanswered before it is asked again (etcd: 500 ms).
    public static let readRetryInterval: Duration = .milliseconds(500)
}
