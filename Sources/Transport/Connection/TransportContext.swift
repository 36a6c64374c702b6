import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Raft

/// Where a peer listens.
public struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// What every link, transfer and handler of one transport shares: set once at start.
final class TransportContext: Sendable {
    let configuration: PeerTransportConfiguration
    let callbacks: PeerTransportCallbacks
    let tls: PeerTLSContexts?
    private let removedMembers = NIOLockedValueBox<Set<NodeID>>([])

    init(configuration: PeerTransportConfiguration, callbacks: PeerTransportCallbacks, tls: PeerTLSContexts?) {
        self.configuration = configuration
        self.callbacks = callbacks
        self.tls = tls
    }

    func markRemoved(_ id: NodeID) {
        removedMembers.withLockedValue { _ = $0.insert(id) }
    }

    /// Whether `id` was removed from the cluster: its connections are refused.
    @Sendable func isRemoved(_ id: NodeID) -> Bool {
        removedMembers.withLockedValue { $0.contains(id) }
    }

    /// Dials `address` on `eventLoop` and says `hello`; the handler reports to `events`.
    func connect(to address: PeerAddress, on eventLoop: EventLoop, hello: Hello,
                 events: @escaping @Sendable (OutboundEvent) -> Void) -> EventLoopFuture<Channel> {
        Self.connect(to: address, on: eventLoop, hello: hello, limits: configuration.limits, tls: tls,
                     connectTimeout: configuration.connectTimeout, handshakeTimeout: configuration.handshakeTimeout,
                     log: callbacks.log, events: events)
    }

    /// The same, for a dialler that is not (yet) a member with a transport of its own.
    static func connect(to address: PeerAddress, on eventLoop: EventLoop, hello: Hello, limits: TransportLimits,
                        tls: PeerTLSContexts?, connectTimeout: TimeAmount, handshakeTimeout: TimeAmount,
                        log: @escaping @Sendable (TransportLogLevel, String) -> Void,
                        events: @escaping @Sendable (OutboundEvent) -> Void) -> EventLoopFuture<Channel> {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: limits.writeBufferLowWaterMark, high: limits.writeBufferHighWaterMark))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls.client, serverHostname: PeerTLSContexts.serverHostname(address.host)))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: limits.maxFrameBytes)))
                    try pipeline.addHandler(OutboundHandler(hello: hello, limits: limits, handshakeTimeout: handshakeTimeout, log: log, events: events))
                }
            }
            .connect(host: address.host, port: address.port)
    }
}
