import Foundation
import Raft
import Server
import Storage

/// Puts "key=value" payloads, and answers with the revision: the smallest real applier, so
/// that the run loop is tested on its own. Membership changes need no record here.
struct PutApplier: EntryApplier {
    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> any Sendable {
        let parts = payload.split(separator: UInt8(ascii: "="), maxSplits: 1)
        return try batch.put(PutRequest(key: Array(parts[0]), value: parts.count > 1 ? Array(parts[1]) : [])).revision
    }

    func apply(_ change: ConfChange, context: [UInt8], to batch: inout MVCCWriteBatch) throws {}

    static func revision(_ result: any Sendable) -> Int64 {
        result as! Int64
    }
}

/// Delivers messages between members of one process, as the transport will between processes.
final class InMemoryPeers: PeerSender, @unchecked Sendable {
    private let lock = NSLock()
    private var members: [NodeID: RaftNode] = [:]

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
        let members = self.members
        lock.unlock()
        for message in messages {
            members[message.to]?.receive(message)
        }
    }
}

/// A member on real LMDB files in a temporary directory, removed with it.
final class TestMember {
    let id: NodeID
    let directory: String
    private(set) var log: LogStorage
    private(set) var store: MVCCStore
    private(set) var node: RaftNode

    init(id: NodeID, voters: [NodeID], directory: String, peers: InMemoryPeers) throws {
        self.id = id
        self.directory = directory
        (log, store, node) = try Self.open(id: id, voters: voters, directory: directory, peers: peers)
    }

    private static func open(id: NodeID, voters: [NodeID], directory: String, peers: InMemoryPeers) throws -> (LogStorage, MVCCStore, RaftNode) {
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
        let node = try RaftNode(configuration: configuration, log: log, store: store, applier: PutApplier(), peers: peers)
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
        (log, store, node) = try Self.open(id: id, voters: voters, directory: directory, peers: peers)
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
