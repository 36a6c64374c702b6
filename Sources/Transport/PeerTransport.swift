import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Raft

/// The peer transport of one member: listens for the other members, keeps one outbound message
/// connection to each, and carries `Raft.Message`s both ways.
///
/// - `send` queues messages per peer; all sends to a peer between two turns of its event loop go
///   out as one write and one flush. Snapshot messages go on a connection of their own.
/// - Inbound messages are handed to `PeerTransportCallbacks.onMessages` on an event loop, in the
///   order each peer sent them. The callback must be cheap: hop to the run loop.
/// - Lost messages are reported through `onUnreachable` (→ `RawNode.reportUnreachable`) and
///   snapshot outcomes through `onSnapshotStatus` (→ `RawNode.reportSnapshot`).
///
/// ```swift
/// let transport = try PeerTransport(configuration: config, group: group, callbacks: callbacks)
/// try await transport.start()
/// transport.addPeer(2, address: PeerAddress(host: "10.0.0.2", port: 2380))
/// transport.send(ready.messages)
/// await transport.shutdown()
/// ```
public final class PeerTransport: Sendable {
    private let context: TransportContext
    private let group: EventLoopGroup
    private let state = NIOLockedValueBox(State())

    private struct State {
        var peers: [NodeID: PeerLink] = [:]
        var server: Channel?
        var inbound: [ObjectIdentifier: Channel] = [:]
        var shutDown = false
    }

    /// - Parameters:
    ///   - configuration: identity, listen address, TLS, limits and timing.
    ///   - group: the event loops the transport runs on (its owner shuts the group down).
    ///   - callbacks: where inbound messages, unreachable peers, snapshot outcomes and logs go.
    /// - Throws: when the TLS files cannot be loaded.
    public init(configuration: PeerTransportConfiguration, group: EventLoopGroup, callbacks: PeerTransportCallbacks) throws {
        configuration.limits.validate()
        let tls = try configuration.tls.map { try PeerTLSContexts($0) }
        self.context = TransportContext(configuration: configuration, callbacks: callbacks, tls: tls)
        self.group = group
    }

    public var memberID: NodeID { context.configuration.memberID }

    /// Binds the peer listener. Returns the address bound (with the real port when 0 was asked).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let context = self.context
        let configuration = context.configuration
        let limits = configuration.limits
        let state = self.state
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: limits.writeBufferLowWaterMark, high: limits.writeBufferHighWaterMark))
            .childChannelInitializer { channel in
                let registered = state.withLockedValue { state -> Bool in
                    guard !state.shutDown else { return false }
                    state.inbound[ObjectIdentifier(channel)] = channel
                    return true
                }
                guard registered else { return channel.close() }
                channel.closeFuture.whenComplete { _ in
                    _ = state.withLockedValue { $0.inbound.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls = context.tls {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls.server))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: limits.maxFrameBytes)))
                    try pipeline.addHandler(InboundHandler(context: context))
                }
            }
            .bind(host: configuration.listenHost, port: configuration.listenPort)
            .get()
        state.withLockedValue { $0.server = channel }
        let address = channel.localAddress!
        context.callbacks.log(.info, "member \(hex(configuration.memberID)) listening for peers on \(address)\(context.tls == nil ? "" : " (TLS)")")
        return address
    }

    /// The port the listener is bound to, once started.
    public var listeningPort: Int? {
        state.withLockedValue { $0.server?.localAddress?.port }
    }

    /// Starts talking to `id` at `address` (connects at once, reconnects with backoff). Adding
    /// a known peer again updates its address.
    public func addPeer(_ id: NodeID, address: PeerAddress) {
        precondition(id != noNode && id != memberID, "a peer is another member")
        let link = state.withLockedValue { state -> PeerLink? in
            guard !state.shutDown else { return nil }
            if let existing = state.peers[id] {
                existing.update(address: address)
                return nil
            }
            let link = PeerLink(peerID: id, address: address, eventLoop: group.next(), context: context)
            state.peers[id] = link
            return link
        }
        link?.start()
    }

    /// Stops talking to `id`: its queue is dropped and its connection closed.
    public func removePeer(_ id: NodeID) {
        state.withLockedValue { $0.peers.removeValue(forKey: id) }?.stop()
    }

    /// `id` was removed from the cluster: no longer talked to, and its connections refused
    /// from now on (telling it so, so that it stops) and cut if open.
    public func refuseRemovedMember(_ id: NodeID) {
        context.markRemoved(id)
        removePeer(id)
    }

    /// Queues one message for its `to` member.
    public func send(_ message: Message) {
        send(CollectionOfOne(message))
    }

    /// Queues messages for their `to` members (the `messages` of a `Ready`), keeping their order
    /// per peer. Snapshots start a transfer on their own connection. A message to an unknown
    /// member is dropped and that member reported unreachable.
    public func send(_ messages: some Collection<Message>) {
        guard !messages.isEmpty else { return }
        let peers = state.withLockedValue { $0.peers }
        // One peer (the common case in a follower's Ready) needs no grouping.
        if let first = messages.first, messages.allSatisfy({ $0.to == first.to }) {
            send(messages, to: first.to, link: peers[first.to])
            return
        }
        var byPeer: [NodeID: [Message]] = [:]
        for message in messages { byPeer[message.to, default: []].append(message) }
        for (id, batch) in byPeer { send(batch, to: id, link: peers[id]) }
    }

    private func send(_ messages: some Collection<Message>, to id: NodeID, link: PeerLink?) {
        guard let link else {
            context.callbacks.log(.debug, "dropped \(messages.count) messages to unknown member \(hex(id))")
            context.callbacks.onUnreachable(id)
            for message in messages {
                if case .snapshot = message.payload { context.callbacks.onSnapshotStatus(id, .failed) }
            }
            return
        }
        if messages.contains(where: { if case .snapshot = $0.payload { true } else { false } }) {
            var regular: [Message] = []
            for message in messages {
                if case .snapshot = message.payload {
                    link.send(regular)
                    regular.removeAll()
                    link.sendSnapshot(message)
                } else {
                    regular.append(message)
                }
            }
            link.send(regular)
        } else {
            link.send(messages)
        }
    }

    /// Whether the message connection to `id` is up (handshake done).
    public func isConnected(to id: NodeID) -> Bool {
        state.withLockedValue { $0.peers[id] }?.isConnected ?? false
    }

    /// Bytes queued for `id` and not yet written (an upper bound of their encoded size).
    public func queuedBytes(to id: NodeID) -> Int {
        state.withLockedValue { $0.peers[id] }?.queuedBytes ?? 0
    }

    /// Closes the listener, every inbound connection and every link. Safe to call twice.
    public func shutdown() async {
        let (server, inbound, peers) = state.withLockedValue { state in
            state.shutDown = true
            defer { state.server = nil; state.peers = [:]; state.inbound = [:] }
            return (state.server, Array(state.inbound.values), Array(state.peers.values))
        }
        for link in peers { link.stop() }
        try? await server?.close()
        for channel in inbound { try? await channel.close() }
    }
}
