@testable import Raft

/// A put as the simulator's clients propose it: who asked, which of their operations, and what.
struct KVCommand: Equatable {
    var client: UInt32
    var operation: UInt32
    var key: UInt8
    var value: UInt32

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(13)
        withUnsafeBytes(of: client.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: operation.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(key)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    init(client: UInt32, operation: UInt32, key: UInt8, value: UInt32) {
        self.client = client
        self.operation = operation
        self.key = key
        self.value = value
    }

    init?(encoded bytes: [UInt8]) {
        guard bytes.count == 13 else { return nil }
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        self.init(client: word(0), operation: word(4), key: bytes[8], value: word(9))
    }
}

/// The replicated state machine of the simulation: a small key-value map, with each client's
/// last applied operation so that a put delivered twice (the network duplicates) applies once.
struct KVStateMachine: Equatable {
    var values: [UInt8: UInt32] = [:]
    var lastOperation: [UInt32: UInt32] = [:]
    var confState = ConfState()
    var applied: UInt64 = 0

    /// Applies one committed entry; returns the command when it changed the map.
    @discardableResult
    mutating func apply(_ entry: Entry) -> KVCommand? {
        precondition(entry.index == applied + 1, "applying \(entry.index) after \(applied)")
        applied = entry.index
        switch entry.kind {
        case .configChange:
            if let change = ConfChange(encoded: entry.data), case .success(let next) = confState.applying(change) {
                confState = next
            }
            return nil
        case .normal:
            guard let command = KVCommand(encoded: entry.data) else { return nil }
            if let last = lastOperation[command.client], last >= command.operation { return nil }
            lastOperation[command.client] = command.operation
            values[command.key] = command.value
            return command
        }
    }

    func snapshotData() -> [UInt8] {
        var bytes: [UInt8] = []
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        put(UInt32(values.count))
        for key in values.keys.sorted() {
            bytes.append(key)
            put(values[key]!)
        }
        put(UInt32(lastOperation.count))
        for client in lastOperation.keys.sorted() {
            put(client)
            put(lastOperation[client]!)
        }
        return bytes
    }

    init() {}

    /// The state a snapshot holds.
    init(snapshot: Snapshot) {
        var at = 0
        let bytes = snapshot.data
        func word() -> UInt32 {
            defer { at += 4 }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        if !bytes.isEmpty {
            for _ in 0..<word() {
                let key = bytes[at]
                at += 1
                values[key] = word()
            }
            for _ in 0..<word() {
                let client = word()
                lastOperation[client] = word()
            }
        }
        confState = snapshot.metadata.confState
        applied = snapshot.metadata.index
    }
}
