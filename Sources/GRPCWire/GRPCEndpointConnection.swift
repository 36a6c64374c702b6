import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The client's connection to one endpoint: made on first use, remade after it closes, left
/// alone for a while after a failed attempt.
final class GRPCEndpointConnection: Sendable {
    typealias Ready = (Channel, GRPCClientConnectionHandler)

    let endpoint: String
    private let host: String
    private let port: Int
    private let configuration: GRPCClient.Configuration
    private let sslContext: NIOSSLContext?

    private enum State {
        case idle
        case connecting(EventLoopFuture<Ready>)
        case ready(EventLoopFuture<Ready>, Channel, GRPCClientConnectionHandler)
        case failed(until: NIODeadline, error: any Error)
    }
    private let state = NIOLockedValueBox(State.idle)

    init(endpoint: String, configuration: GRPCClient.Configuration, sslContext: NIOSSLContext?) throws {
        // "host:port", with or without a scheme as etcdctl accepts (http://, https://).
        var address = Substring(endpoint)
        for scheme in ["http://", "https://"] where address.hasPrefix(scheme) { address = address.dropFirst(scheme.count) }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw GRPCTLSError("endpoint \(endpoint) is not host:port")
        }
        self.endpoint = endpoint
        self.host = String(address[..<colon]).trimmingCharacters(in: ["[", "]"])
        self.port = port
        self.configuration = configuration
        self.sslContext = sslContext
    }

    /// The connection, made if there is none that takes calls.
    func connection(group: any EventLoopGroup) -> EventLoopFuture<Ready> {
        self.state.withLockedValue { state in
            switch state {
            case .connecting(let future):
                return future
            case .ready(let future, let channel, let handler) where channel.isActive && handler.isAcceptingCalls:
                return future
            case .failed(let until, let error) where NIODeadline.now() < until:
                return group.any().makeFailedFuture(error)
            case .idle, .ready, .failed:
                let future = self.connect(group: group)
                state = .connecting(future)
                return future
            }
        }
    }

    private func connect(group: any EventLoopGroup) -> EventLoopFuture<Ready> {
        let limits = self.configuration.limits
        let sslContext = self.sslContext
        let host = self.host
        let authority = "\(host):\(self.port)"
        let scheme = sslContext == nil ? "http" : "https"
        let future = ClientBootstrap(group: group)
            .connectTimeout(self.configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        // An IP address cannot be sent as SNI; the certificate is then checked
                        // against the address (its IP SAN).
                        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: isAddress ? nil : host))
                    }
                    try sync.addHandler(GRPCHTTP2Handler(role: .client, limits: limits))
                    try sync.addHandler(GRPCClientConnectionHandler(
                            limits: limits, authority: authority, scheme: scheme, eventLoop: channel.eventLoop))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: host, port: self.port)
            .flatMap { channel -> EventLoopFuture<Ready> in
                do {
                    let handler = try channel.pipeline.syncOperations.handler(type: GRPCClientConnectionHandler.self)
                    return handler.active.futureResult.map { (channel, handler) }
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let backoff = self.configuration.reconnectBackoff
        future.whenComplete { result in
            self.state.withLockedValue { state in
                switch result {
                case .success(let (channel, handler)): state = .ready(future, channel, handler)
                case .failure(let error): state = .failed(until: .now() + backoff, error: error)
                }
            }
        }
        return future
    }

    /// Lets the calls in flight finish, then closes.
    func close() async {
        let channel: Channel? = self.state.withLockedValue { state in
            defer { state = .idle }
            if case .ready(_, let channel, _) = state { return channel }
            return nil
        }
        guard let channel else { return }
        channel.eventLoop.execute {
            (try? channel.pipeline.syncOperations.handler(type: GRPCClientConnectionHandler.self))?.drain()
        }
        try? await channel.closeFuture.get()
    }
}
