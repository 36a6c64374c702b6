import Storage

/// Turns a committed proposal into changes of the key space. The node owns ordering, batching
/// and durability; the applier owns what a payload means (the etcd API's requests). It runs on
/// the state environment's writer inside the batch's transaction. A request that fails (a Txn
/// refused, a compacted revision) returns its error in the result; throwing means the state
/// environment itself failed, and stops the member rather than let its state diverge.
public protocol EntryApplier: Sendable {
    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> [UInt8]
}
