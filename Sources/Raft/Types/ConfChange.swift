/// One membership change: a single voter or learner added or removed (Raft thesis §4.1, single-server
/// changes). Promoting a learner is `addVoter` of a member that is a learner now.
public struct ConfChange: Equatable, Sendable {
    public enum Operation: UInt8, Sendable {
        case addVoter = 1
        case addLearner = 2
        case removeNode = 3
    }

    public var operation: Operation
    public var nodeID: NodeID
    /// Opaque to the core; the server puts the member's URLs here.
    public var context: [UInt8]

    public init(operation: Operation, nodeID: NodeID, context: [UInt8] = []) {
        self.operation = operation
        self.nodeID = nodeID
        self.context = context
    }

    /// The bytes of a `.configChange` entry: operation (1 byte), node id (8 bytes, little endian), context.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [operation.rawValue]
        bytes.reserveCapacity(9 + context.count)
        withUnsafeBytes(of: nodeID.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: context)
        return bytes
    }

    /// Decodes the payload of a `.configChange` entry; `nil` when it is not one.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 9, let operation = Operation(rawValue: bytes[0]) else { return nil }
        var id: UInt64 = 0
        for i in (1...8).reversed() { id = id << 8 | UInt64(bytes[i]) }
        guard id != noNode else { return nil }
        self.init(operation: operation, nodeID: id, context: Array(bytes[9...]))
    }
}

/// Why a membership change was refused.
public enum ConfChangeError: Error, Equatable, Sendable {
    case alreadyVoter(NodeID)
    case alreadyLearner(NodeID)
    case notMember(NodeID)
    case removesLastVoter(NodeID)
}
