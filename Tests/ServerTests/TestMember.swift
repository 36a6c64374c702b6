import Foundation
import Raft
import Server
import Storage

/// Puts "key=value" payloads, and answers with the revision: the smallest real applier, so
/// that the run loop is tested on its own. Membership is recorded as one cluster record per
/// member (its learner flag), so that snapshots carry it.
struct PutApplier: EntryApplier {
    static let memberPrefix: [UInt8] = Array("member/".utf8)

    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> any Sendable {
        let parts = payload.split(separator: UInt8(ascii: "="), maxSplits: 1)
        return try batch.put(PutRequest(key: Array(parts[0]), value: parts.count > 1 ? Array(parts[1]) : [])).revision
    }

    func apply(_ change: ConfChange, context: [UInt8], to batch: inout MVCCWriteBatch) throws {
        let key = Self.memberPrefix + withUnsafeBytes(of: change.nodeID.bigEndian) { Array($0) }
        switch change.operation {
        case .addVoter: try batch.setClusterRecord(key, [0])
        case .addLearner: try batch.setClusterRecord(key, [1])
        case .removeNode: try batch.setClusterRecord(key, nil)
        }
    }

    func confState(in store: MVCCStore) throws -> ConfState {
        let records = try store.clusterRecords(prefix: Self.memberPrefix).map { record in
            (id: record.key.dropFirst(Self.memberPrefix.count).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, learner: record.value == [1])
        }
        return ConfState(voters: records.filter { !$0.learner }.map(\.id), learners: records.filter(\.learner).map(\.id))
    }

    func restored(from store: MVCCStore) throws {}

    static func revision(_ result: any Sendable) -> Int64 {
        result as! Int64
    }
}

/// Delivers messages between members of one process, as the transport does between processes,
/// including its report of each snapshot's outcome to the sender. Members can be cut off.
final class InMemoryPeers: PeerSender, @unchecked Sendable {
    private let lock = NSLock()
    private var members: [NodeID: RaftNode] = [:]
    private var cutOff: Set<NodeID> = []

    /// Drops every message to and from `id` until `reconnect`.
    func cutOff(_ id: NodeID) {
        lock.lock(); defer { lock.unlock() }
        cutOff.insert(id)
    }

    func reconnect(_ id: NodeID) {
        lock.lock(); defer { lock.unlock() }
        cutOff.remove(id)
    }

    func register(_ node: RaftNode) {
        lock.lock(); defer { lock.unlock() }
        members[node.configuration.memberID] = node
    }

    func remove(_ id: NodeID) {
        lock.lock(); defer { lock.unlock() }
        members[id] = nil
    }

    func send(_ messages: [Message]) {
        lock.lock()
        let (members, cutOff) = (self.members, self.cutOff)
        lock.unlock()
        for message in messages {
            let target = cutOff.contains(message.from) || cutOff.contains(message.to) ? nil : members[message.to]
            target?.receive(message)
            if case .snapshot = message.payload {
                members[message.from]?.reportSnapshot(to: message.to, success: target != nil)
            }
        }
    }
}

/// What a member's run loop reported, for tests that must show they reached a path.
final class ReportLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [NodeReport] = []

    func append(_ report: NodeReport) {
        lock.lock(); defer { lock.unlock() }
        reports.append(report)
    }

    var all: [NodeReport] {
        lock.lock(); defer { lock.unlock() }
        return reports
    }

    var installed: [UInt64] {
        all.compactMap { if case .snapshotInstalled(let index, _) = $0 { index } else { nil } }
    }

    var created: [UInt64] {
        all.compactMap { if case .snapshotCreated(let index, _) = $0 { index } else { nil } }
    }

    var failures: [String] {
        all.compactMap { if case .snapshotFailed(_, let error) = $0 { error } else { nil } }
    }
}

/// How often a test member snapshots and how much log it keeps behind a snapshot.
struct SnapshotPolicy {
    var count: UInt64 = 100_000
    var catchUpEntries: UInt64 = 5_000
}

/// A member on real LMDB files in a temporary directory, removed with it.
final class TestMember {
    let id: NodeID
    let directory: String
    let policy: SnapshotPolicy
    /// Changes to the run loop's configuration beyond the test defaults.
    let tuning: (inout NodeConfiguration) -> Void
    let reports = ReportLog()
    private(set) var log: LogStorage
    private(set) var store: MVCCStore
    private(set) var node: RaftNode

    init(id: NodeID, voters: [NodeID], directory: String, peers: InMemoryPeers, snapshots policy: SnapshotPolicy = SnapshotPolicy(),
         tuning: @escaping (inout NodeConfiguration) -> Void = { _ in }) throws {
        self.id = id
        self.directory = directory
        self.policy = policy
        self.tuning = tuning
        (log, store, node) = try Self.open(id: id, voters: voters, directory: directory, peers: peers, policy: policy, tuning: tuning,
                                           reports: reports)
    }

    private static func open(id: NodeID, voters: [NodeID], directory: String, peers: InMemoryPeers, policy: SnapshotPolicy,
                             tuning: (inout NodeConfiguration) -> Void, reports: ReportLog) throws -> (LogStorage, MVCCStore, RaftNode) {
        let data = DataDirectory(directory)
        try FileManager.default.createDirectory(atPath: data.raftPath, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: data.statePath, withIntermediateDirectories: true)
        let log = try LogStorage(path: data.raftPath, mapSize: 64 << 20)
        if try log.lastIndex() == 0 {
            let (entries, hardState) = Bootstrap.initialLog(voters: voters)
            try log.save(entries: entries, hardState: hardState)
        }
        let store = try MVCCStore(path: data.statePath, mapSize: 64 << 20, quotaBytes: 32 << 20)
        var configuration = NodeConfiguration(memberID: id)
        configuration.heartbeatInterval = .milliseconds(10)
        configuration.electionTimeout = .milliseconds(100)
        configuration.snapshotCount = policy.count
        configuration.snapshotCatchUpEntries = policy.catchUpEntries
        configuration.report = { reports.append($0) }
        tuning(&configuration)
        let node = try RaftNode(configuration: configuration, log: log, store: store,
                                snapshots: try SnapshotDirectory(path: data.snapshotPath), applier: PutApplier(), peers: peers)
        peers.register(node)
        node.start()
        return (log, store, node)
    }

    func stop(peers: InMemoryPeers) {
        peers.remove(id)
        node.stop()
        log.close()
        store.close()
    }

    func restart(voters: [NodeID], peers: InMemoryPeers) throws {
        (log, store, node) = try Self.open(id: id, voters: voters, directory: directory, peers: peers, policy: policy, tuning: tuning,
                                           reports: reports)
    }

    /// The snapshot files the member holds, oldest first.
    var snapshotFiles: [String] {
        (try? SnapshotDirectory(path: DataDirectory(directory).snapshotPath).files().map(\.name)) ?? []
    }

    func value(_ key: String) throws -> String? {
        try store.range(RangeRequest(key: Array(key.utf8))).kvs.first.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

func temporaryDirectory() -> String {
    var template = Array("\(NSTemporaryDirectory())/concord-server-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(created != nil, "mkdtemp failed: \(errno)")
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}
