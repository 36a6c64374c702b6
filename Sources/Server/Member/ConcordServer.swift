import EtcdAPI
import Foundation
import GRPCWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Raft
import Storage
import Transport

/// One Concord member: the data directory, the run loop, the peer transport and the client
/// port(s) serving etcd's v3 API, started and stopped together.
/// `@unchecked`: the log storage is touched by the run loop only, and closed after it stopped.
public final class ConcordServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let clusterID: UInt64
    public let memberID: UInt64
    let node: RaftNode
    let store: MVCCStore
    let log: LogStorage
    let transport: PeerTransport
    let servers: [GRPCServer]
    /// The client connections' event loops, and the run loop's with the peer connections.
    let groups: [MultiThreadedEventLoopGroup]
    let serverLog: ServerLog
    private let publisher: Task<Void, Never>

    /// The client ports actually bound (for `:0` in tests).
    public var clientPorts: [Int] { servers.map(\.port) }

    private init(configuration: ServerConfiguration, clusterID: UInt64, memberID: UInt64, node: RaftNode, store: MVCCStore,
                 log: LogStorage, transport: PeerTransport, servers: [GRPCServer], groups: [MultiThreadedEventLoopGroup],
                 serverLog: ServerLog, publisher: Task<Void, Never>) {
        self.configuration = configuration
        self.clusterID = clusterID
        self.memberID = memberID
        self.node = node
        self.store = store
        self.log = log
        self.transport = transport
        self.servers = servers
        self.groups = groups
        self.serverLog = serverLog
        self.publisher = publisher
    }

    /// Opens (or creates) the data directory and starts serving. `onRemoved` runs (once) when
    /// the member learns that it was removed from the cluster, by applying its own removal or
    /// from a peer that refuses it: its owner stops it, as etcd stops a removed member.
    public static func start(_ configuration: ServerConfiguration, onRemoved: @escaping @Sendable () -> Void = {}) async throws -> ConcordServer {
        try configuration.validate()
        let serverLog = ServerLog(level: configuration.logLevel)
        let dataDirectory = configuration.resolvedDataDirectory
        let layout = DataDirectory(dataDirectory)
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: layout.statePath, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: layout.raftPath, withIntermediateDirectories: true)

        let token = configuration.initialClusterToken
        let initialMembers = configuration.initialMembers
        let group = MultiThreadedEventLoopGroup(numberOfThreads: UsableProcessors.count)
        // The run loop's thread, which the peer connections share (see RaftNode). The clients'
        // connections keep threads of their own even on one processor: they parse and answer
        // calls while the loop waits on its fsync (with them on the loop's thread, one member
        // under 64 clients lost a fifth of its puts per second).
        let raftGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let raftLoop = raftGroup.next()
        let identity: MemberIdentityFile
        let isNewMember: Bool
        /// For a member joining a running cluster: the members as a running one listed them.
        var joinedMembers: [Etcdserverpb_Member]?
        if let existing = try MemberIdentityFile.read(from: dataDirectory) {
            identity = existing
            isNewMember = false
            if existing.name != configuration.name {
                serverLog.warn("data directory \(dataDirectory) belongs to member \"\(existing.name)\"; --name \(configuration.name) is ignored")
            }
        } else {
            let own = initialMembers.first { $0.name == configuration.name }!
            let clusterID = MemberIdentity.clusterID(token: token)
            var memberID = own.id
            if configuration.initialClusterState == .existing {
                let members = try await JoiningMember.members(of: configuration, clusterID: clusterID, group: group)
                memberID = try JoiningMember.ownID(in: members, name: own.name, peerURLs: own.peerUrls)
                joinedMembers = members
            }
            identity = MemberIdentityFile(clusterID: clusterID, memberID: memberID, name: configuration.name)
            isNewMember = true
        }

        let quota = configuration.quotaBackendBytes > 0 ? configuration.quotaBackendBytes : MVCCStore.defaultQuotaBytes
        // The state's commits are not synced: the log is the durable record (see MVCCStore.Sync).
        let store = try MVCCStore(path: layout.statePath, mapSize: max(MVCCStore.defaultMapSize, quota * 2), quotaBytes: quota,
                                  sync: .atClose)
        if store.wasDiscarded {
            serverLog.warn("the state environment \(layout.statePath) was open when the machine went down; it is rebuilt from the newest snapshot and the log")
        }
        let log = try LogStorage(path: layout.raftPath)
        let removedIDs = try ClusterRecords.removedIDs(in: store)
        if removedIDs.contains(identity.memberID) {
            throw ConfigurationError("the member has been permanently removed from the cluster: \(dataDirectory) belongs to removed member \(String(identity.memberID, radix: 16)); remove the data directory, add the member again (member add) and start it with --initial-cluster-state existing")
        }
        if isNewMember && configuration.initialClusterState == .new {
            guard try log.lastIndex() == 0 else {
                throw ConfigurationError("\(layout.raftPath) holds a log but \(dataDirectory) has no member identity: the data directory is damaged")
            }
            let voters = initialMembers.map { member in
                (id: member.id, context: ProposalEnvelope.wrap(id: 0, try! member.serializedBytes()))
            }
            let (entries, hardState) = Bootstrap.initialLog(voters: voters)
            try log.save(entries: entries, hardState: hardState)
        }
        if isNewMember { try identity.write(to: dataDirectory) }

        let removal = NIOLockedValueBox(false)
        let removedFromCluster: @Sendable () -> Void = {
            guard removal.withLockedValue({ reported in defer { reported = true }; return !reported }) else { return }
            serverLog.warn("the member has been permanently removed from the cluster")
            serverLog.warn("the data-dir used by this member must be removed")
            onRemoved()
        }
        let nodeBox = NIOLockedValueBox<RaftNode?>(nil)
        let peerURL = configuration.listenPeerURLs[0]
        let transport = try PeerTransport(
            configuration: PeerTransportConfiguration(
                clusterID: identity.clusterID, memberID: identity.memberID,
                listenHost: peerURL.host, listenPort: peerURL.port,
                tls: try peerTLS(configuration.peerTLS)),
            group: raftLoop,
            callbacks: PeerTransportCallbacks(
                onMessages: { messages in
                    guard let node = nodeBox.withLockedValue({ $0 }) else { return }
                    for message in messages { node.receive(message) }
                },
                onUnreachable: { id in nodeBox.withLockedValue { $0 }?.reportUnreachable(id) },
                onSnapshotStatus: { id, status in nodeBox.withLockedValue { $0 }?.reportSnapshot(to: id, success: status == .finished) },
                log: { level, message in
                    serverLog.log(level >= .warning ? .warn : level == .info ? .info : .debug, "peer transport: \(message)")
                },
                onRemovedFromCluster: removedFromCluster,
                memberList: {
                    var list = Etcdserverpb_MemberListResponse()
                    list.members = (try? ClusterRecords.members(in: store)) ?? []
                    return (try? list.serializedBytes()) ?? []
                }))
        try await transport.start()

        let memberID = identity.memberID
        let applier = EtcdApplier { change in
            switch change {
            case .added(let member), .updated(let member):
                guard member.id != memberID, let address = peerAddress(member.peerUrls) else { return }
                transport.addPeer(member.id, address: address)
            case .removed(let id):
                if id == memberID { removedFromCluster() } else { transport.refuseRemovedMember(id) }
            case .restored(let members, let removed):
                for member in members where member.id != memberID {
                    if let address = peerAddress(member.peerUrls) { transport.addPeer(member.id, address: address) }
                }
                for id in removed where id != memberID { transport.refuseRemovedMember(id) }
            }
        }
        var nodeConfiguration = NodeConfiguration(memberID: identity.memberID)
        nodeConfiguration.heartbeatInterval = configuration.heartbeatInterval
        nodeConfiguration.electionTimeout = configuration.electionTimeout
        nodeConfiguration.randomSeed = UInt64.random(in: 0...UInt64.max)
        nodeConfiguration.snapshotCount = configuration.snapshotCount
        nodeConfiguration.snapshotCatchUpEntries = configuration.snapshotCatchUpEntries
        nodeConfiguration.yieldsToClientLoops = UsableProcessors.count == 1
        nodeConfiguration.report = { report in serverLog.log(report) }
        let snapshots = try SnapshotDirectory(path: layout.snapshotPath)
        let node = try RaftNode(configuration: nodeConfiguration, log: log, store: store, snapshots: snapshots, applier: applier,
                                peers: TransportPeerSender(transport), eventLoop: raftLoop)
        nodeBox.withLockedValue { $0 = node }

        // Peers known now: the applied member records, and the initial cluster's.
        var known: [UInt64: [String]] = [:]
        for member in joinedMembers ?? initialMembers { known[member.id] = member.peerUrls }
        for member in try ClusterRecords.members(in: store) { known[member.id] = member.peerUrls }
        for (id, urls) in known where id != memberID && !removedIDs.contains(id) {
            if let address = peerAddress(urls) { transport.addPeer(id, address: address) }
        }
        for id in removedIDs { transport.refuseRemovedMember(id) }
        node.start()

        let context = ServiceContext(
            node: node, store: store, clusterID: identity.clusterID, memberID: memberID,
            requestTimeout: .seconds(5) + configuration.electionTimeout * 2,
            maxRequestBytes: configuration.maxRequestBytes,
            peerConnected: { transport.isConnected(to: $0) },
            forwardingTLS: configuration.clientTLS.certificateFile == nil && configuration.clientTLS.trustedCAFile == nil ? nil : GRPCTLSFiles(
                certificateFile: configuration.clientTLS.certificateFile, keyFile: configuration.clientTLS.keyFile,
                trustedCAFile: configuration.clientTLS.trustedCAFile))
        let (grpcMetrics, methods) = GRPCMetrics.observing(
            KVService.methods(context)
                + MaintenanceService.methods(context, snapshotDirectory: snapshots.path)
                + ClusterService.methods(context, clusterToken: token))
        let endpoints = HTTPStatusEndpoints(context: context, grpc: grpcMetrics)
        var servers: [GRPCServer] = []
        let keepalive = GRPCKeepalive(
            interval: .nanoseconds(configuration.grpcKeepaliveInterval.nanoseconds),
            timeout: .nanoseconds(configuration.grpcKeepaliveTimeout.nanoseconds),
            minTime: .nanoseconds(configuration.grpcKeepaliveMinTime.nanoseconds))
        for url in configuration.listenClientURLs {
            let tls = url.isTLS ? GRPCTLSFiles(
                certificateFile: configuration.clientTLS.certificateFile, keyFile: configuration.clientTLS.keyFile,
                trustedCAFile: configuration.clientTLS.trustedCAFile,
                requireClientCertificate: configuration.clientTLS.clientCertAuth) : nil
            var limits = GRPCLimits(maxReceiveMessageBytes: configuration.maxRequestBytes + GRPCLimits.etcdGRPCOverheadBytes)
            limits.shutdownGracePeriod = .seconds(2)
            servers.append(try await GRPCServer.start(
                GRPCServer.Configuration(host: url.host, port: url.port, methods: methods, limits: limits, tls: tls,
                                         httpEndpoints: endpoints.handle, keepalive: keepalive),
                group: group))
        }
        let clientURLs = configuration.advertiseClientURLs.map(\.description)
        let publisher = Task {
            await publish(name: identity.name, clientURLs: clientURLs, memberID: memberID, context: context, log: serverLog)
        }
        serverLog.info("member \(String(memberID, radix: 16)) of cluster \(String(identity.clusterID, radix: 16)) serving clients on \(configuration.listenClientURLs.map(\.description).joined(separator: ",")), peers on \(peerURL)")
        warnAboutEvenVoters(node: node, log: serverLog)
        return ConcordServer(configuration: configuration, clusterID: identity.clusterID, memberID: memberID, node: node,
                             store: store, log: log, transport: transport, servers: servers, groups: [group, raftGroup],
                             serverLog: serverLog, publisher: publisher)
    }

    /// SIGTERM: stop taking calls, finish those in flight, hand leadership to another voter,
    /// then close the log and the state.
    public func stop() async {
        publisher.cancel()
        await withTaskGroup(of: Void.self) { tasks in
            for server in servers { tasks.addTask { await server.shutdown() } }
        }
        let status = node.status
        if status.role == .leader, let successor = status.config.voters.first(where: { $0 != memberID }) {
            node.transferLeadership(to: successor)
            let deadline = ContinuousClock.now + configuration.electionTimeout
            while ContinuousClock.now < deadline && node.status.leader == memberID {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        node.stop()
        await transport.shutdown()
        log.close()
        store.close()
        for group in groups { try? await group.shutdownGracefully() }
        serverLog.info("member \(String(memberID, radix: 16)) stopped")
    }

    // MARK: Helpers

    static func peerAddress(_ urls: [String]) -> PeerAddress? {
        guard let first = urls.first, let url = try? ServerURL(parsing: first) else { return nil }
        return PeerAddress(host: url.host, port: url.port)
    }

    static func peerTLS(_ files: ServerConfiguration.TLSFiles) throws -> PeerTLSConfiguration? {
        guard let certificate = files.certificateFile, let key = files.keyFile else { return nil }
        return PeerTLSConfiguration(certificateFile: certificate, keyFile: key, trustedCAFile: files.trustedCAFile,
                                    clientCertAuth: files.clientCertAuth)
    }

    /// Announces this member's name and client URLs through the log once there is a leader,
    /// and again until the cluster has them (etcd's publish).
    private static func publish(name: String, clientURLs: [String], memberID: UInt64, context: ServiceContext, log: ServerLog) async {
        while !Task.isCancelled {
            let stored = (try? ClusterRecords.members(in: context.store))?.first { $0.id == memberID }
            if let stored, stored.name == name, stored.clientUrls == clientURLs { return }
            if stored != nil && context.node.status.leader != noNode {
                var attributes = Etcdserverpb_Member()
                attributes.id = memberID
                attributes.name = name
                attributes.clientUrls = clientURLs
                do {
                    _ = try await context.node.propose(ReplicatedRequest.publishMember(attributes).encoded(), timeout: .seconds(5))
                    log.info("published name \(name) and client URLs \(clientURLs.joined(separator: ",")) to the cluster")
                } catch {
                    log.debug("publishing member attributes failed (\(error)); retrying")
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Quorum awareness (SPEC F6): an even number of voters tolerates no more failures than
    /// one fewer would, and needs one more member to agree on every write.
    static func warnAboutEvenVoters(node: RaftNode, log: ServerLog) {
        if let advice = Quorum(voters: node.status.config.voters.count).evenSizeAdvice { log.warn(advice) }
    }
}

extension ServerConfiguration {
    /// The members `--initial-cluster` names, with the IDs every member derives for them.
    var initialMembers: [Etcdserverpb_Member] {
        resolvedInitialCluster.map { entry in
            var member = Etcdserverpb_Member()
            member.id = MemberIdentity.memberID(peerURLs: entry.peerURLs.map(\.description), clusterToken: initialClusterToken)
            member.name = entry.name
            member.peerUrls = entry.peerURLs.map(\.description)
            return member
        }
    }
}
