/// A linearizable read that became safe: once the application has applied `index`, it may answer
/// the read identified by `context` from its local state (Raft thesis §6.4, ReadIndex).
public struct ReadState: Equatable, Sendable {
    public var index: UInt64
    public var context: [UInt8]

    public init(index: UInt64, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}
