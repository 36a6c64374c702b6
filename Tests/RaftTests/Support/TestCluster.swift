@testable import Raft

/// A small cluster for scenario tests, pumped by hand: every `Ready` is carried out synchronously
/// and messages wait in one queue until `deliver` or `stabilize` hands them over (like etcd raft's
/// `network` and `stabilize`). Links can be cut; nothing is random but the election timeouts.
final class TestCluster {
    private(set) var nodes: [NodeID: RawNode]
    private(set) var storages: [NodeID: MemoryStorage]
    /// Entries each member applied, in order.
    private(set) var applied: [NodeID: [Entry]] = [:]
    private(set) var readStates: [NodeID: [ReadState]] = [:]
    /// Messages sent and not yet delivered, in order.
    var queue: [Message] = []
    /// Links that lose everything: (from, to).
    var cut: Set<[NodeID]> = []
    /// Every message delivered, for assertions on traffic.
    private(set) var delivered: [Message] = []

    init(voters: [NodeID], learners: [NodeID] = [], configure: (inout RaftConfiguration) -> Void = { _ in }) {
        var nodes: [NodeID: RawNode] = [:]
        var storages: [NodeID: MemoryStorage] = [:]
        let (entries, hardState) = Bootstrap.initialLog(voters: voters)
        var log = entries
        for learner in learners {
            log.append(Entry(term: 1, index: UInt64(log.count + 1), kind: .configChange, data: ConfChange(operation: .addLearner, nodeID: learner).encoded()))
        }
        for id in voters + learners {
            let storage = MemoryStorage()
            storage.append(log)
            storage.setHardState(HardState(term: hardState.term, vote: noNode, commit: UInt64(log.count)))
            var configuration = RaftConfiguration(id: id)
            configuration.randomSeed = 42
            configure(&configuration)
            nodes[id] = RawNode(configuration: configuration, storage: storage)
            storages[id] = storage
        }
        self.nodes = nodes
        self.storages = storages
    }

    subscript(id: NodeID) -> RawNode { nodes[id]! }

    /// Starts member `id` with an empty log, as a member joins an existing cluster.
    func addEmptyMember(_ id: NodeID) {
        let storage = MemoryStorage()
        var configuration = RaftConfiguration(id: id)
        configuration.randomSeed = 42
        nodes[id] = RawNode(configuration: configuration, storage: storage)
        storages[id] = storage
    }

    /// Restarts member `id` on what it persisted, as after a crash (everything else is lost).
    func restart(_ id: NodeID) {
        var configuration = RaftConfiguration(id: id)
        configuration.randomSeed = 42
        nodes[id] = RawNode(configuration: configuration, storage: storages[id]!)
    }

    var ids: [NodeID] { nodes.keys.sorted() }

    var leader: NodeID? {
        ids.first { nodes[$0]!.raft.role == .leader }
    }

    /// Carries out one `Ready` of `id`: persists, queues its messages, applies.
    func handleReady(_ id: NodeID) {
        let node = nodes[id]!
        guard node.hasReady else { return }
        let ready = node.ready()
        let storage = storages[id]!
        queue.append(contentsOf: ready.messages)
        if let snapshot = ready.snapshot { try! storage.applySnapshot(snapshot) }
        storage.append(ready.entries)
        if let hardState = ready.hardState { storage.setHardState(hardState) }
        queue.append(contentsOf: ready.messagesAfterPersist)
        applied[id, default: []].append(contentsOf: ready.committedEntries)
        readStates[id, default: []].append(contentsOf: ready.readStates)
        node.advance(ready)
    }

    func handleAllReadies() {
        for id in ids { handleReady(id) }
    }

    /// Delivers the queued messages that pass `filter` (all by default); others are dropped.
    func deliver(where filter: (Message) -> Bool = { _ in true }) {
        let messages = queue
        queue.removeAll()
        for message in messages where filter(message) && !cut.contains([message.from, message.to]) {
            guard let node = nodes[message.to] else { continue }
            delivered.append(message)
            node.step(message)
        }
    }

    /// Readies and deliveries until nothing moves.
    func stabilize(maxRounds: Int = 1_000) {
        for _ in 0..<maxRounds {
            handleAllReadies()
            if queue.isEmpty && !ids.contains(where: { nodes[$0]!.hasReady }) { return }
            deliver()
        }
        preconditionFailure("cluster did not stabilize")
    }

    func isolate(_ id: NodeID) {
        for other in ids where other != id {
            cut.insert([id, other])
            cut.insert([other, id])
        }
    }

    func healAll() {
        cut.removeAll()
    }

    /// Ticks `id` `count` times, carrying out Readys as they come.
    func tick(_ id: NodeID, times count: Int = 1) {
        for _ in 0..<count {
            nodes[id]!.tick()
            handleReady(id)
        }
    }

    /// Makes `id` leader by campaigning and stabilizing.
    func elect(_ id: NodeID) {
        nodes[id]!.campaign()
        stabilize()
        precondition(nodes[id]!.raft.role == .leader, "\(id) did not become leader")
    }

    /// Proposes on `id` and stabilizes; returns the index of the last applied entry there.
    func propose(_ id: NodeID, _ data: [UInt8] = [1]) throws(ProposalError) {
        try nodes[id]!.propose(data)
        stabilize()
    }

    func appliedData(_ id: NodeID) -> [[UInt8]] {
        applied[id, default: []].filter { $0.kind == .normal && !$0.data.isEmpty }.map(\.data)
    }
}
