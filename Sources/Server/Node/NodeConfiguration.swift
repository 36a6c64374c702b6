import Raft

/// How a member's run loop behaves, in etcd's terms: one tick per heartbeat interval, and an
/// election timeout of so many ticks.
public struct NodeConfiguration: Sendable {
    public var memberID: NodeID
    /// etcd's `--heartbeat-interval` (default 100 ms).
    public var heartbeatInterval: Duration = .milliseconds(100)
    /// etcd's `--election-timeout` (default 1000 ms).
    public var electionTimeout: Duration = .milliseconds(1000)
    /// Seeds the core's election timer.
    public var randomSeed: UInt64 = 0
    /// etcd's `--snapshot-count`: applied entries between two automatic snapshots.
    public var snapshotCount: UInt64 = 100_000
    /// Entries kept behind a snapshot when the log is compacted, so that a follower that lags
    /// a little catches up from the log rather than from a snapshot (etcd keeps 5,000).
    public var snapshotCatchUpEntries: UInt64 = 5_000
    /// Whether the loop yields the processor after answering proposals (`letAnswersLeave`): for a
    /// member confined to one processor, which its client event loops share with the loop.
    public var yieldsToClientLoops = false
    /// A log save (its fdatasync) slower than this is warned about: etcd's "slow fdatasync".
    public var slowLogSyncThreshold: Duration = .seconds(1)
    /// A state transaction slower than this is warned about: etcd's "apply request took too long".
    public var slowApplyThreshold: Duration = .milliseconds(100)
    /// How long a leader holds back telling idle followers that its commit index moved
    /// (`RaftConfiguration.deferCommitNotices`), waiting for the next proposal's append to tell
    /// them instead. With a client writing one key after another, that append leaves well
    /// within it, and each follower takes one message per write instead of two. A follower's
    /// state (its serializable reads) trails the leader's by this much more when writes stop.
    public var commitNoticeDelay: Duration = .milliseconds(1)
    /// The shortest time between two slow-operation warnings of the same phase.
    public var slowWarningInterval: Duration = .seconds(10)
    /// Where the loop reports what an operator should know (snapshots made and installed, and
    /// failures it survives).
    public var report: @Sendable (NodeReport) -> Void = { _ in }

    public init(memberID: NodeID) {
        self.memberID = memberID
    }

    /// The core's configuration: ticks are heartbeat intervals.
    func raftConfiguration(applied: UInt64) -> RaftConfiguration {
        var configuration = RaftConfiguration(id: memberID)
        configuration.heartbeatTicks = 1
        let ratio = Int(electionTimeout / heartbeatInterval)
        precondition(ratio >= 2, "the election timeout must be at least twice the heartbeat interval")
        configuration.electionTicks = ratio
        configuration.applied = applied
        configuration.randomSeed = randomSeed ^ memberID
        configuration.deferCommitNotices = true
        return configuration
    }
}
