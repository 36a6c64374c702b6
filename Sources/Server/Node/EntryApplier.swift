import Storage

/// Turns a committed proposal into changes of the key space. The node owns ordering, batching
/// and durability; the applier owns what a payload means (the etcd API's requests). It runs on
/// the state environment's writer inside the batch's transaction: a request that fails returns
/// its error in the result rather than throwing, which would undo the whole batch.
public protocol EntryApplier: Sendable {
    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> [UInt8]
}
