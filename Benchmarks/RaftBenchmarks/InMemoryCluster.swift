import Raft

/// A cluster whose members talk through in-memory queues and persist to `MemoryStorage`:
/// what is left is the cost of the consensus core itself.
final class InMemoryCluster {
    private let nodes: [RawNode]
    private let storages: [MemoryStorage]
    private var queue: [Message] = []
    private(set) var appliedOnLeader = 0

    /// Entries kept behind the applied index when the log is compacted.
    private static let retainedEntries: UInt64 = 1_000

    init(members: Int) {
        let ids = (1...members).map { NodeID($0) }
        let (entries, hardState) = Bootstrap.initialLog(voters: ids)
        var nodes: [RawNode] = []
        var storages: [MemoryStorage] = []
        for id in ids {
            let storage = MemoryStorage()
            storage.append(entries)
            storage.setHardState(hardState)
            var configuration = RaftConfiguration(id: id)
            configuration.maxInflightMessages = 256
            nodes.append(RawNode(configuration: configuration, storage: storage))
            storages.append(storage)
        }
        self.nodes = nodes
        self.storages = storages
        nodes[0].campaign()
        pump()
        precondition(nodes[0].status.role == .leader, "member 1 did not become leader")
    }

    var leader: RawNode { nodes[0] }

    /// Proposes `commands` on the leader and runs the cluster until they are applied everywhere.
    func commit(_ commands: [[UInt8]]) {
        try! leader.propose(commands)
        pump()
    }

    /// Carries out Readys and delivers messages until nothing moves.
    func pump() {
        while true {
            var moved = false
            for (position, node) in nodes.enumerated() where node.hasReady {
                moved = true
                let ready = node.ready()
                queue.append(contentsOf: ready.messages)
                let storage = storages[position]
                storage.append(ready.entries)
                if let hardState = ready.hardState { storage.setHardState(hardState) }
                queue.append(contentsOf: ready.messagesAfterPersist)
                if position == 0 { appliedOnLeader += ready.committedEntries.count }
                node.advance(ready)
            }
            if !queue.isEmpty {
                moved = true
                let messages = queue
                queue.removeAll(keepingCapacity: true)
                for message in messages {
                    nodes[Int(message.to) - 1].step(message)
                }
            }
            if !moved { return }
        }
    }

    /// Keeps memory flat over long runs: drops log entries well behind the applied index.
    func compact() {
        for (position, node) in nodes.enumerated() {
            let status = node.status
            guard status.applied > Self.retainedEntries else { continue }
            let index = status.applied - Self.retainedEntries
            let storage = storages[position]
            guard index >= (try! storage.firstIndex()) else { continue }
            try! storage.createSnapshot(at: index, confState: status.config, data: [])
            try! storage.compact(upTo: index)
        }
    }
}
