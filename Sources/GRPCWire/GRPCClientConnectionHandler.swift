import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The client side of one HTTP/2 connection: opens a stream per call and routes the frames of
/// each stream to its ``GRPCClientCall`` by stream ID, as ``GRPCServerConnectionHandler`` does
/// on the server.
///
/// `@unchecked Sendable` so that ``GRPCEndpointConnection`` can hand it out with its channel;
/// every use of it after that is on the channel's event loop (``GRPCClient`` hops there).
final class GRPCClientConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let limits: GRPCLimits
    private let authority: String
    private let scheme: String
    private var context: ChannelHandlerContext?
    private var calls: [HTTP2StreamID: GRPCClientCall] = [:]
    private var deadlineTimer = GRPCDeadlineTimer()
    /// Client streams are odd (RFC 7540 §5.1.1) and each new one is higher than any before.
    private var nextStreamID = HTTP2StreamID(1)
    private var inReadBatch = false
    private var needsFlush = false
    private var flushScheduled = false
    private var connectionWindowOpened = false
    private var unacknowledgedConnectionBytes = 0
    /// Cleared by the server's GOAWAY or by closing: new calls go elsewhere. Readable from any
    /// thread, so that ``GRPCEndpointConnection`` makes a new connection instead.
    let accepting = NIOLockedValueBox(true)
    var isAcceptingCalls: Bool {
        get { self.accepting.withLockedValue { $0 } }
        set { self.accepting.withLockedValue { $0 = newValue } }
    }

    init(limits: GRPCLimits, authority: String, scheme: String, eventLoop: any EventLoop) {
        self.active = eventLoop.makePromise()
        self.limits = limits
        self.authority = authority
        self.scheme = scheme
    }

    /// Succeeds once channelActive has passed GRPCHTTP2Handler, i.e. our preface is written.
    /// NIO succeeds the connect promise *before* channelActive runs, so a call started from
    /// the connect future would send HEADERS ahead of the preface.
    let active: EventLoopPromise<Void>

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        self.active.succeed(())
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.active.fail(GRPCStatus(.unavailable, "connection closed"))
        self.failAll(GRPCStatus(.unavailable, "connection closed"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isAcceptingCalls = false
        self.failAll(GRPCStatus(.unavailable, "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // HTTP/2 errors never get here: GRPCHTTP2Handler resets the stream or ends the
        // connection with GOAWAY itself. What does arrive (I/O, TLS) ends the connection.
        self.isAcceptingCalls = false
        self.failAll(GRPCStatus(.unavailable, "connection error: \(error)"))
        context.close(promise: nil)
    }

    /// Starts a call: writes its HEADERS. Nil when this connection takes no new calls.
    func startCall(
        path: String, metadata: HPACKHeaders, timeout: TimeAmount?, observer: GRPCClientCall.Observer
    ) -> GRPCClientCall? {
        guard self.isAcceptingCalls, let context = self.context else { return nil }
        guard Int32(self.nextStreamID) < Int32.max - 2 else {
            // Stream IDs are spent (after ~10^9 calls): this connection ends once its calls
            // have, and the next call gets a new one.
            self.isAcceptingCalls = false
            if self.calls.isEmpty { context.close(promise: nil) }
            return nil
        }
        let streamID = self.nextStreamID
        self.nextStreamID = self.nextStreamID.advanced(by: 2)
        let deadline = timeout.map { NIODeadline.now() + $0 }
        let call = GRPCClientCall(
            streamID: streamID, connection: self, eventLoop: context.eventLoop, observer: observer,
            deadline: deadline, maxReceiveMessageBytes: self.limits.maxReceiveMessageBytes)
        var headers: HPACKHeaders = [
            ":method": "POST", ":scheme": self.scheme, ":path": path, ":authority": self.authority,
            "content-type": "application/grpc", "te": "trailers",
        ]
        if let timeout { headers.add(name: "grpc-timeout", value: GRPCTimeout.encode(timeout)) }
        headers.add(contentsOf: metadata)
        self.calls[streamID] = call
        self.write(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers))))
        if let deadline {
            self.deadlineTimer.arm(for: deadline, on: context.eventLoop) { [weak self] in self?.expireDeadlines() }
        }
        return call
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.inReadBatch = true
        let frame = self.unwrapInboundIn(data)
        self.openConnectionWindow()
        switch frame.payload {
        case .headers(let headers):
            self.calls[frame.streamID]?.receiveHeaders(headers.headers, endStream: headers.endStream)
        case .data(let data):
            let length = data.data.readableBytes + (data.paddingBytes ?? 0)
            self.acknowledgeConnectionBytes(length)
            guard let call = self.calls[frame.streamID], case .byteBuffer(let bytes) = data.data else { return }
            let increment = call.receiveData(
                bytes, flowControlledLength: length, endStream: data.endStream, streamWindow: self.limits.streamWindowBytes)
            if increment > 0, self.calls[frame.streamID] != nil {
                self.write(HTTP2Frame(streamID: frame.streamID, payload: .windowUpdate(windowSizeIncrement: increment)))
            }
        case .rstStream(let code):
            self.calls[frame.streamID]?.receiveReset(code)
        case .goAway(let lastStreamID, _, _):
            // Streams above lastStreamID were never seen by the server: safe to retry elsewhere.
            self.isAcceptingCalls = false
            for (id, call) in self.calls where id > lastStreamID {
                call.connectionLost(GRPCStatus(.unavailable, "the server is going away (GOAWAY)"), neverProcessed: true)
            }
            if self.calls.isEmpty { context.close(promise: nil) }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inReadBatch = false
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(_ frame: HTTP2Frame) {
        guard let context = self.context else { return }
        context.write(self.wrapOutboundOut(frame), promise: nil)
        if self.inReadBatch {
            self.needsFlush = true
        } else if !self.flushScheduled {
            self.flushScheduled = true
            context.eventLoop.execute {
                self.flushScheduled = false
                self.context?.flush()
            }
        }
    }

    func callEnded(_ streamID: HTTP2StreamID) {
        self.calls.removeValue(forKey: streamID)
        if !self.isAcceptingCalls && self.calls.isEmpty {
            self.context?.close(promise: nil)
        }
    }

    /// Closes the connection once its calls are over.
    func drain() {
        self.isAcceptingCalls = false
        if self.calls.isEmpty { self.context?.close(promise: nil) }
    }

    /// Widens the connection window once the server's first frame (its SETTINGS) has arrived:
    /// by then our preface has gone out, and nothing may precede it (RFC 7540 §3.5).
    private func openConnectionWindow() {
        guard !self.connectionWindowOpened else { return }
        self.connectionWindowOpened = true
        let increment = self.limits.connectionWindowBytes - 65_535
        if increment > 0 {
            self.write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment)))
        }
    }

    private func acknowledgeConnectionBytes(_ length: Int) {
        self.unacknowledgedConnectionBytes += length
        if self.unacknowledgedConnectionBytes >= self.limits.connectionWindowBytes / 2 {
            let increment = self.unacknowledgedConnectionBytes
            self.unacknowledgedConnectionBytes = 0
            self.write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment)))
        }
    }

    /// Aborts the calls whose deadline has passed and arms the timer for the earliest one left.
    private func expireDeadlines() {
        self.deadlineTimer.fired()
        let (overdue, earliestLeft) = GRPCDeadlineTimer.overdue(self.calls.values, deadline: { $0.deadline })
        for call in overdue { call.abort(.deadlineExceeded) }
        if let earliestLeft, let context = self.context {
            self.deadlineTimer.arm(for: earliestLeft, on: context.eventLoop) { [weak self] in self?.expireDeadlines() }
        }
    }

    private func failAll(_ status: GRPCStatus) {
        self.deadlineTimer.cancel()
        let calls = self.calls
        self.calls = [:]
        for call in calls.values { call.connectionLost(status, neverProcessed: false) }
    }
}
