@testable import Raft

/// One member of the simulated cluster: its durable storage (kept across crashes), its core and
/// state machine (lost in a crash), and the `Ready` it is in the middle of persisting.
final class SimulatedMember {
    let id: NodeID
    /// What survives a crash: everything persisted.
    let storage: MemoryStorage
    private(set) var node: RawNode?
    private(set) var state = KVStateMachine()
    /// A `Ready` whose immediate messages went out and whose persist happens at `persistAt`.
    var pending: (ready: Ready, persistAt: Int)?
    /// Answers to reads, waiting until the state machine has applied their index.
    var readsWaiting: [ReadState] = []
    /// Checked every step: these never go backwards while the member is up.
    var lastCommitted: UInt64 = 0
    var lastApplied: UInt64 = 0
    var lastPersistedCommit: UInt64 = 0
    var wasLeaderInTerm: UInt64 = 0

    static let snapshotEvery: UInt64 = 16
    static let compactionRetain: UInt64 = 8

    init(id: NodeID, storage: MemoryStorage) {
        self.id = id
        self.storage = storage
    }

    var isUp: Bool { node != nil }

    /// The core's internals, for the safety checks.
    var raft: Raft? { node?.raft }

    func start(seed: UInt64, maxMessageBytes: Int) {
        precondition(node == nil)
        var configuration = RaftConfiguration(id: id)
        configuration.electionTicks = 10
        configuration.heartbeatTicks = 1
        configuration.maxMessageBytes = maxMessageBytes
        configuration.maxInflightMessages = 4
        configuration.randomSeed = seed
        // Half the members hold commit notices back, as Concord's server does; the simulation
        // sends them at a random later step.
        configuration.deferCommitNotices = seed % 2 == 1
        let snapshot = try! storage.snapshot()
        state = KVStateMachine(snapshot: snapshot)
        configuration.applied = snapshot.metadata.index
        node = RawNode(configuration: configuration, storage: storage)
        pending = nil
        readsWaiting = []
        lastCommitted = 0
        lastApplied = state.applied
        wasLeaderInTerm = 0
    }

    /// Loses everything not persisted: the core, the state machine, the `Ready` in progress.
    func crash() {
        node = nil
        pending = nil
        readsWaiting = []
    }

    /// Carries out the persisting half of the pending `Ready`; returns it for the caller to
    /// send its after-persist messages and apply its entries.
    func persistPending() -> Ready? {
        guard let (ready, _) = pending else { return nil }
        pending = nil
        if let snapshot = ready.snapshot {
            try! storage.applySnapshot(snapshot)
            state = KVStateMachine(snapshot: snapshot)
        }
        storage.append(ready.entries)
        if let hardState = ready.hardState {
            storage.setHardState(hardState)
        }
        return ready
    }

    func apply(_ entry: Entry) -> KVCommand? {
        state.apply(entry)
    }

    /// Makes a snapshot every `snapshotEvery` applied entries and compacts behind it.
    func maybeSnapshot() {
        guard let node else { return }
        let current = try! storage.snapshot().metadata.index
        guard state.applied >= current + Self.snapshotEvery else { return }
        try! storage.createSnapshot(at: state.applied, confState: state.confState, data: state.snapshotData())
        let compactTo = min(node.compactionIndex(retaining: Self.compactionRetain), state.applied)
        if compactTo >= (try! storage.firstIndex()) {
            try! storage.compact(upTo: compactTo)
        }
    }
}
