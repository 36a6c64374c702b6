import Raft

/// A client of the simulated key-value store: one operation at a time, each sent to a member it
/// picks, given up after a deadline (its outcome then unknown).
struct SimulatedClient {
    enum Kind: Equatable {
        case put(key: UInt8, value: UInt32)
        case get(key: UInt8)
    }

    struct Waiting {
        var kind: Kind
        var operation: UInt32
        var member: NodeID
        var call: Int
        var deadline: Int
    }

    let id: UInt32
    var nextOperation: UInt32 = 1
    var waiting: Waiting?

    init(id: UInt32) {
        self.id = id
    }

    /// The context that ties a `ReadState` to this client's read.
    func readContext(_ operation: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: operation.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }
}

/// One completed (or given-up) client operation, as the linearizability check reads it.
struct HistoryEntry {
    var client: UInt32
    var kind: SimulatedClient.Kind
    /// For a get: the value read (nil when the key was never written).
    var result: UInt32?
    var call: Int
    /// `nil` when the client gave up: a put may or may not have taken effect.
    var returned: Int?
}


