import NIOCore
import NIOHTTP2

/// Server keepalive on one HTTP/2 connection, between ``GRPCHTTP2Handler`` and
/// ``GRPCServerConnectionHandler``: pings a connection that has been silent for the keepalive
/// interval and closes it when nothing comes back within the timeout, as grpc-go's server does
/// (``GRPCKeepalive``). The client's pings are policed where they arrive, in
/// ``GRPCHTTP2Handler`` (``GRPCPingEnforcer``).
///
/// Not swift-nio-http2's `NIOHTTP2ServerConnectionManagementHandler`: on a keepalive timeout it
/// starts a graceful shutdown (GOAWAY and a PING) that a dead peer never answers, so without a
/// grace limit the connection stays; and it re-arms a timer on every read batch. Here a read
/// batch costs one clock read, and one timer per connection is pending.
final class GRPCServerKeepaliveHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let policy: GRPCKeepalive
    private var context: ChannelHandlerContext?
    /// The end of the last read batch: the peer's last sign of life.
    private var lastReadAt = NIODeadline.now()
    /// When our keepalive PING went out, while we wait for the peer to show life.
    private var pingSentAt: NIODeadline?
    private var timer: Scheduled<Void>?

    init(policy: GRPCKeepalive) {
        self.policy = policy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added once the sniffer saw the HTTP/2 preface: the connection is up.
        self.context = context
        self.lastReadAt = .now()
        self.schedule(at: self.lastReadAt + self.policy.interval)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.lastReadAt = .now()
        context.fireChannelReadComplete()
    }

    // MARK: - Pinging the client

    private func schedule(at deadline: NIODeadline) {
        guard let context = self.context else { return }
        self.timer = context.eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.timerFired() }
    }

    private func timerFired() {
        guard let context = self.context else { return }
        if let sentAt = self.pingSentAt {
            guard self.lastReadAt > sentAt else {
                // grpc-go closes the transport: the peer is gone or cannot answer.
                context.close(promise: nil)
                return
            }
            self.pingSentAt = nil
        }
        let now = NIODeadline.now()
        let idleUntil = self.lastReadAt + self.policy.interval
        guard now >= idleUntil else {
            self.schedule(at: idleUntil)
            return
        }
        self.pingSentAt = now
        context.writeAndFlush(
            self.wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .ping(Self.pingData, ack: false))),
            promise: nil)
        self.schedule(at: now + self.policy.timeout)
    }

    /// The opaque data of our keepalive pings.
    static let pingData = HTTP2PingData(withInteger: 0x6b65_6570_616c_6976)
}
