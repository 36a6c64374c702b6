import NIOConcurrencyHelpers
import Raft

/// What the run loop measures of itself, for `/metrics`: how long each log save (its one
/// fdatasync) and each state transaction took, how many entries a save carried, leader changes
/// and the proposals waiting or failed.
///
/// The loop records once or twice per turn; one lock guards plain counters and histograms
/// whose storage is made here, so a record is a lock, a few additions and an unlock. A scrape
/// renders under the same lock, which holds the loop up for no more than that rendering.
public final class NodeMetrics: Sendable {
    struct State {
        /// etcd's `etcd_disk_wal_fsync_duration_seconds`: 1 ms to 8 s, doubling.
        var logSave = Histogram(upperBounds: Histogram.exponentialBuckets(start: 0.001, factor: 2, count: 14))
        /// etcd's `etcd_disk_backend_commit_duration_seconds`, same buckets.
        var apply = Histogram(upperBounds: Histogram.exponentialBuckets(start: 0.001, factor: 2, count: 14))
        /// Entries per log save: how well proposals are grouped (1 to 4,096, the batch limit).
        var batchEntries = Histogram(upperBounds: Histogram.exponentialBuckets(start: 1, factor: 2, count: 13))
        var slowLogSaves: UInt64 = 0
        var slowApplies: UInt64 = 0
        var leader: NodeID = noNode
        var leaderChanges: UInt64 = 0
        var proposalsPending = 0
        var proposalsFailed: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// One log save of `entries` entries (none: a hard state alone) that took `seconds`.
    func recordLogSave(seconds: Double, entries: Int, slow: Bool) {
        state.withLockedValue { state in
            state.logSave.observe(seconds)
            if entries > 0 { state.batchEntries.observe(Double(entries)) }
            if slow { state.slowLogSaves += 1 }
        }
    }

    /// One state transaction applying committed entries that took `seconds`.
    func recordApply(seconds: Double, slow: Bool) {
        state.withLockedValue { state in
            state.apply.observe(seconds)
            if slow { state.slowApplies += 1 }
        }
    }

    /// The end of a loop turn: the leader this member knows and the proposals waiting for
    /// their apply. A change to a known leader counts as etcd counts it (losing one does not).
    func recordTurn(leader: NodeID, proposalsPending: Int) {
        state.withLockedValue { state in
            if leader != state.leader && leader != noNode { state.leaderChanges += 1 }
            state.leader = leader
            state.proposalsPending = proposalsPending
        }
    }

    /// A client's proposal failed before it was applied (a timeout, no leader, too many
    /// requests, a stop).
    public func recordFailedProposal() {
        state.withLockedValue { $0.proposalsFailed += 1 }
    }

    /// The figures as they are now.
    func snapshot() -> State {
        state.withLockedValue { $0 }
    }

    func render(into page: inout PrometheusText) {
        // Copied out under the lock; the copy shares the histograms' storage until the loop's
        // next record, which then pays one copy per scrape rather than the loop waiting on text.
        let state = snapshot()
        page.counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.", state.leaderChanges)
        page.gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.", state.proposalsPending)
        page.counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.", state.proposalsFailed)
        page.counter("etcd_server_slow_apply_total", "The total number of slow apply requests (likely overloaded from slow disk).", state.slowApplies)
        page.counter("concord_disk_slow_log_saves_total", "Raft log saves (one fdatasync each) slower than the slow-sync warning threshold.", state.slowLogSaves)
        page.histogram("etcd_disk_wal_fsync_duration_seconds", "The latency distributions of fsync called by WAL (a Raft log save, one fdatasync).", state.logSave)
        page.histogram("etcd_disk_backend_commit_duration_seconds", "The latency distributions of commit called by backend (a state transaction applying committed entries).", state.apply)
        page.histogram("concord_raft_batch_entries", "Entries appended per Raft log save (one fdatasync): how many proposals share a sync.", state.batchEntries)
    }
}
