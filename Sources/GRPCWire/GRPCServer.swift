import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A gRPC server on one TCP port, which also answers HTTP/1.1 `GET`s there (``HTTPEndpointHandler``).
public final class GRPCServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port; ``GRPCServer/port`` tells which.
        public var port: Int
        public var methods: [GRPCServerMethod]
        public var limits: GRPCLimits
        public var tls: GRPCTLSFiles?
        public var httpEndpoints: HTTPEndpointHandler?
        public var keepalive: GRPCKeepalive

        public init(
            host: String, port: Int, methods: [GRPCServerMethod], limits: GRPCLimits = GRPCLimits(),
            tls: GRPCTLSFiles? = nil, httpEndpoints: HTTPEndpointHandler? = nil, keepalive: GRPCKeepalive = GRPCKeepalive()
        ) {
            self.host = host
            self.port = port
            self.methods = methods
            self.limits = limits
            self.tls = tls
            self.httpEndpoints = httpEndpoints
            self.keepalive = keepalive
        }
    }

    /// Sent down each connection's pipeline to start a graceful shutdown (GOAWAY).
    struct GracefulShutdownEvent {}

    /// The open connections, and how many were accepted since the start.
    struct Connections {
        var open: [ObjectIdentifier: Channel] = [:]
        var accepted = 0
    }

    private let listener: Channel
    private let connections: NIOLockedValueBox<Connections>
    private let limits: GRPCLimits
    /// The port the server listens on.
    public let port: Int

    private init(listener: Channel, connections: NIOLockedValueBox<Connections>, limits: GRPCLimits) {
        self.listener = listener
        self.connections = connections
        self.limits = limits
        self.port = listener.localAddress?.port ?? 0
    }

    /// Binds and starts serving.
    public static func start(_ configuration: Configuration, group: EventLoopGroup) async throws -> GRPCServer {
        let router = GRPCRouter(configuration.methods)
        let sslContext = try configuration.tls.map { try $0.makeServerContext() }
        let connections = NIOLockedValueBox(Connections())
        let limits = configuration.limits
        let endpoints = configuration.httpEndpoints
        let keepalive = configuration.keepalive
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                connections.withLockedValue {
                    $0.open[id] = channel
                    $0.accepted += 1
                }
                channel.closeFuture.whenComplete { _ in
                    _ = connections.withLockedValue { $0.open.removeValue(forKey: id) }
                }
                do {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        try sync.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try sync.addHandler(
                        ProtocolSniffer { channel, verdict in
                            try Self.configure(
                                channel, verdict, router: router, limits: limits, keepalive: keepalive, endpoints: endpoints)
                        })
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        return GRPCServer(listener: listener, connections: connections, limits: limits)
    }

    /// The handlers of a connection once the sniffer has told the protocol.
    private static func configure(
        _ channel: Channel, _ verdict: ProtocolSniffer.Verdict, router: GRPCRouter, limits: GRPCLimits,
        keepalive: GRPCKeepalive, endpoints: HTTPEndpointHandler?
    ) throws {
        let sync = channel.pipeline.syncOperations
        switch verdict {
        case .http2:
            try sync.addHandler(GRPCHTTP2Handler(role: .server(keepalive), limits: limits))
            try sync.addHandler(GRPCServerKeepaliveHandler(policy: keepalive))
            try sync.addHandler(GRPCServerConnectionHandler(router: router, limits: limits, httpEndpoints: endpoints))
        case .http1, .needMoreBytes:
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(HTTP1EndpointHandler(endpoints: endpoints))
        }
    }

    /// Connections accepted since the server started (a client that is disconnected and comes
    /// back counts twice: how the PING-trap test sees GOAWAYs that clients survive silently).
    public var connectionsAccepted: Int { self.connections.withLockedValue { $0.accepted } }

    /// Connections open now.
    public var connectionsOpen: Int { self.connections.withLockedValue { $0.open.count } }

    /// Graceful shutdown: stops accepting, sends GOAWAY on every connection, lets calls in
    /// flight finish, then closes what is left after the grace period.
    public func shutdown() async {
        try? await self.listener.close()
        let open = self.connections.withLockedValue { Array($0.open.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(GracefulShutdownEvent())
        }
        let deadline = NIODeadline.now() + self.limits.shutdownGracePeriod
        for channel in open {
            let closed = channel.closeFuture
            let timer = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
            try? await closed.get()
            timer.cancel()
        }
    }
}

extension GRPCLimits {
    /// The HTTP/2 settings and DoS limits these limits mean for swift-nio-http2's handler, which
    /// the multiplexer benchmark variant runs on (GRPCWire's own connections run on
    /// ``GRPCHTTP2Handler``).
    ///
    /// swift-nio-http2's header-block and content-length validation are off: they cost ~8% of a
    /// unary call's server CPU (string comparisons of every header name, both ways), and gRPC
    /// needs neither. The headers a call depends on are checked where they are read:
    /// `:method` (POST, or GET/HEAD for the HTTP endpoints), `content-type`, `:path` (an exact
    /// route) and `grpc-timeout`; a request that lacks one or spells it otherwise (uppercase
    /// names included) gets the same gRPC or HTTP error as one that sends a wrong value.
    /// Framing, HPACK, stream states and flow control are still swift-nio-http2's to enforce.
    /// Public so that a benchmark variant can serve on exactly these settings.
    public var http2Connection: NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: self.maxConcurrentStreams),
            HTTP2Setting(parameter: .initialWindowSize, value: self.streamWindowBytes),
            HTTP2Setting(parameter: .maxHeaderListSize, value: self.maxHeaderListBytes),
        ]
        configuration.controlFrameRateLimit.maximumCount = self.maxControlFramesPerWindow
        configuration.controlFrameRateLimit.windowLength = self.controlFrameWindow
        configuration.headerBlockValidation = .disabled
        configuration.contentLengthValidation = .disabled
        return configuration
    }
}
