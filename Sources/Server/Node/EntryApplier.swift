import Raft
import Storage

/// Turns a committed entry into changes of the key space. The node owns ordering, batching
/// and durability; the applier owns what a payload means (the etcd API's requests). It runs on
/// the state environment's writer inside the batch's transaction. A request that fails (a Txn
/// refused, a compacted revision) returns its error in the result; throwing means the state
/// environment itself failed, and stops the member rather than let its state diverge.
public protocol EntryApplier: Sendable {
    /// Applies a proposal's request; the result goes to the proposer's waiting call.
    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> any Sendable
    /// Records a membership change the Raft core has already made effective (when it learned the
    /// entry committed), so that the member list is part of the applied state and of snapshots.
    /// `context` is what the proposer attached (the member's name and URLs).
    func apply(_ change: ConfChange, context: [UInt8], to batch: inout MVCCWriteBatch) throws
    /// The configuration the membership records in `store` describe: the one in force at its
    /// applied index, which a snapshot of the store must carry.
    func confState(in store: MVCCStore) throws -> ConfState
    /// The whole state was replaced by a snapshot: whatever follows the membership records (the
    /// transport's peers) must be brought up to date from `store`.
    func restored(from store: MVCCStore) throws
}
