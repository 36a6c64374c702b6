import NIOCore

/// What the dialling end of a connection reports to its owner (a `PeerLink` or a
/// `SnapshotTransfer`), always on the channel's event loop.
enum OutboundEvent {
    /// The peer accepted our `Hello`.
    case accepted(Channel)
    /// The peer refused our `Hello`; the channel is closing. `removed`: because we are no
    /// longer a member of the cluster.
    case refused(String, removed: Bool)
    /// The peer's member list (a `members` stream).
    case memberList([UInt8])
    /// The peer's verdict on a snapshot we sent.
    case snapshotAck(Verdict)
    /// The channel's outbound buffer drained below the low water mark.
    case writable
    /// The channel closed (for any reason; always the last event).
    case closed
}

/// The dialling end of a peer connection: says `Hello` when the channel becomes active, reads the
/// peer's answers, and reports to its owner. Writing messages is the owner's business.
final class OutboundHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let hello: Hello
    private let limits: TransportLimits
    private let log: @Sendable (TransportLogLevel, String) -> Void
    private let events: @Sendable (OutboundEvent) -> Void
    private let handshakeTimeout: TimeAmount
    private var accepted = false
    private var handshakeTimer: Scheduled<Void>?

    init(hello: Hello, limits: TransportLimits, handshakeTimeout: TimeAmount,
         log: @escaping @Sendable (TransportLogLevel, String) -> Void,
         events: @escaping @Sendable (OutboundEvent) -> Void) {
        self.hello = hello
        self.limits = limits
        self.handshakeTimeout = handshakeTimeout
        self.log = log
        self.events = events
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Frame.headerBytes + Frame.bodyPrefixBytes + Hello.payloadBytes)
        hello.write(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        // A listener that takes the connection but never answers must not hold the link forever.
        let channel = context.channel
        let log = self.log
        let hello = self.hello
        handshakeTimer = context.eventLoop.scheduleTask(in: handshakeTimeout) {
            log(.warning, "member \(hex(hello.to)) did not answer our \(hello.stream) handshake in time")
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do throws(PeerProtocolError) {
            switch (accepted, frame.kind) {
            case (false, .helloReply):
                let verdict = try Verdict(decoding: frame.payload, limits: limits)
                handshakeTimer?.cancel()
                if verdict.accepted {
                    accepted = true
                    events(.accepted(context.channel))
                } else {
                    log(.error, "member \(hex(hello.to)) at \(context.channel.remoteAddress.map { "\($0)" } ?? "?") refused our connection: \(verdict.reason)")
                    events(.refused(verdict.reason, removed: verdict.removed))
                    context.close(promise: nil)
                }
            case (true, .memberList) where hello.stream == .members:
                events(.memberList(Array(buffer: frame.payload)))
                context.close(promise: nil)
            case (true, .snapshotAck) where hello.stream == .snapshot:
                events(.snapshotAck(try Verdict(decoding: frame.payload, limits: limits)))
            default:
                throw .unexpectedFrame("\(frame.kind) from the listener")
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { events(.writable) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        events(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        log(.warning, "closing \(hello.stream) connection to member \(hex(hello.to)): \(error)")
        context.close(promise: nil)
    }
}
