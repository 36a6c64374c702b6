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

    init(configuration: PeerTransportConfiguration, callbacks: PeerTransportCallbacks, tls: PeerTLSContexts?) {
        self.configuration = configuration
        self.callbacks = callbacks
        self.tls = tls
    }

    /// Dials `address` on `eventLoop` and says `hello`; the handler reports to `events`.
    func connect(to address: PeerAddress, on eventLoop: EventLoop, hello: Hello,
                 events: @escaping @Sendable (OutboundEvent) -> Void) -> EventLoopFuture<Channel> {
        let limits = configuration.limits
        let log = callbacks.log
        let tls = self.tls
        let handshakeTimeout = configuration.handshakeTimeout
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
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
