import NIOCore
import NIOHTTP2

/// Server keepalive on one HTTP/2 connection, between `NIOHTTP2Handler` and
/// ``GRPCServerConnectionHandler``: pings a connection that has been silent for the keepalive
/// interval, closes it when nothing comes back within the timeout, and sends away a client that
/// pings more often than the policy allows (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), all as
/// grpc-go's server does (``GRPCKeepalive``).
///
/// Not swift-nio-http2's `NIOHTTP2ServerConnectionManagementHandler`: on a keepalive timeout it
/// starts a graceful shutdown (GOAWAY and a PING) that a dead peer never answers, so without a
/// grace limit the connection stays; it enforces no ping policy; and it re-arms a timer on every
/// read batch. Here a read batch costs one clock read, and one timer per connection is pending.
final class GRPCServerKeepaliveHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let policy: GRPCKeepalive
    private var context: ChannelHandlerContext?
    /// The end of the last read batch: the peer's last sign of life.
    private var lastReadAt = NIODeadline.now()
    /// When our keepalive PING went out, while we wait for the peer to show life.
    private var pingSentAt: NIODeadline?
    private var timer: Scheduled<Void>?

    /// Streams open now (NIOHTTP2Handler's stream events), for the ping policy.
    private var openStreams = 0
    private var highestStreamID = HTTP2StreamID(0)
    private var lastPingReceivedAt: NIODeadline?
    private var pingStrikes = 0
    /// HEADERS or DATA went out since the client's last ping: its next ping is no strike
    /// (grpc-go's `resetPingStrikes`; Go clients send a BDP ping after data they receive).
    private var respondedSincePing = false

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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.payload {
        case .ping(_, ack: false):
            if self.pingBreaksPolicy() {
                self.sendAway(context)
                return
            }
        case .headers:
            self.highestStreamID = max(self.highestStreamID, frame.streamID)
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.lastReadAt = .now()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A type comparison is cheaper than `is` (several events per stream).
        if type(of: event) == NIOHTTP2StreamCreatedEvent.self {
            self.openStreams += 1
        } else if type(of: event) == StreamClosedEvent.self {
            self.openStreams -= 1
            precondition(self.openStreams >= 0, "more streams closed than created")
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !self.respondedSincePing {
            switch self.unwrapOutboundIn(data).payload {
            case .headers, .data: self.respondedSincePing = true
            default: break
            }
        }
        context.write(data, promise: promise)
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

    // MARK: - The client's pings

    /// grpc-go's `handlePing`: a ping sooner than the policy allows after the previous one is a
    /// strike, unless the server responded since; more than ``GRPCKeepalive/maxPingStrikes``
    /// strikes break the policy.
    private func pingBreaksPolicy() -> Bool {
        let now = NIODeadline.now()
        defer { self.lastPingReceivedAt = now }
        if self.respondedSincePing {
            self.respondedSincePing = false
            self.pingStrikes = 0
            return false
        }
        let spacing =
            self.openStreams == 0 && !self.policy.permitWithoutStream
            ? GRPCKeepalive.pingSpacingWithoutStreams : self.policy.minTime
        if let last = self.lastPingReceivedAt, now < last + spacing {
            self.pingStrikes += 1
        }
        return self.pingStrikes > GRPCKeepalive.maxPingStrikes
    }

    /// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") and close, as grpc-go answers a ping flood.
    private func sendAway(_ context: ChannelHandlerContext) {
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(
                lastStreamID: self.highestStreamID, errorCode: .enhanceYourCalm,
                opaqueData: ByteBuffer(string: "too_many_pings")))
        context.writeAndFlush(self.wrapOutboundOut(goAway)).whenComplete { _ in context.close(promise: nil) }
    }

    /// The opaque data of our keepalive pings.
    static let pingData = HTTP2PingData(withInteger: 0x6b65_6570_616c_6976)
}
