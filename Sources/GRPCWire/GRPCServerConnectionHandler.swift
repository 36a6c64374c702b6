import NIOCore
import NIOHPACK
import NIOHTTP2

/// The gRPC server side of one HTTP/2 connection: sits behind ``GRPCHTTP2Handler`` and handles the
/// frames of every stream itself, keyed by stream ID.
///
/// swift-nio-http2's stream multiplexer would give each stream a child channel of its own (a
/// pipeline, a promise per write, an allocation per stream); a unary call needs none of that,
/// so streams here are entries of a dictionary and frames go straight to their
/// ``GRPCServerCall``. Flow control stays with ``GRPCHTTP2Handler`` (it holds what the peer's
/// window does not admit); what is left to us is giving inbound window back with
/// WINDOW_UPDATE once data is consumed, which the multiplexer would otherwise do.
final class GRPCServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let router: GRPCRouter
    private let limits: GRPCLimits
    private let httpEndpoints: HTTPEndpointHandler?
    private var context: ChannelHandlerContext?
    private var calls: [HTTP2StreamID: GRPCServerCall] = [:]
    private var deadlineTimer = GRPCDeadlineTimer()

    /// Inside `channelRead`s of one read batch: writes are flushed once at `channelReadComplete`.
    private var inReadBatch = false
    private var needsFlush = false
    private var flushScheduled = false
    /// The connection window was opened to ``GRPCLimits/connectionWindowBytes``.
    private var connectionWindowOpened = false
    private var unacknowledgedConnectionBytes = 0
    private var highestStreamID = HTTP2StreamID(0)
    /// The last stream ID named in our GOAWAY, once it went out: streams above it are not ours.
    private var goAwayStreamID: HTTP2StreamID?

    init(router: GRPCRouter, limits: GRPCLimits, httpEndpoints: HTTPEndpointHandler?) {
        self.router = router
        self.limits = limits
        self.httpEndpoints = httpEndpoints
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelAll()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.inReadBatch = true
        let frame = self.unwrapInboundIn(data)
        if !self.connectionWindowOpened {
            // The client's preface has arrived, so the connection is up: widen the connection
            // window from HTTP/2's 65,535 bytes (SETTINGS cannot, RFC 7540 §6.9.2).
            self.connectionWindowOpened = true
            let increment = self.limits.connectionWindowBytes - 65_535
            if increment > 0 {
                self.write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment)))
            }
        }
        switch frame.payload {
        case .headers(let headers):
            if let call = self.calls[frame.streamID] {
                // Trailers from the client: only their END_STREAM matters.
                if headers.endStream { call.receiveEnd() }
            } else if let last = self.goAwayStreamID, frame.streamID > last {
                // Opened after our GOAWAY: GRPCHTTP2Handler refuses it; writing to it would fail.
                return
            } else {
                self.openStream(frame.streamID, headers: headers.headers, endStream: headers.endStream)
            }
        case .data(let data):
            let length = data.data.readableBytes + (data.paddingBytes ?? 0)
            self.acknowledgeConnectionBytes(length)
            guard let call = self.calls[frame.streamID], case .byteBuffer(let bytes) = data.data else { return }
            let increment = call.receiveData(
                bytes, flowControlledLength: length, endStream: data.endStream, streamWindow: self.limits.streamWindowBytes)
            if increment > 0, self.calls[frame.streamID] != nil {
                self.write(HTTP2Frame(streamID: frame.streamID, payload: .windowUpdate(windowSizeIncrement: increment)))
            }
        case .rstStream:
            self.calls[frame.streamID]?.cancel()
        default:
            // PING, SETTINGS, GOAWAY, WINDOW_UPDATE and PRIORITY are GRPCHTTP2Handler's business.
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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A type comparison is cheaper than `is`.
        if type(of: event) == GRPCServer.GracefulShutdownEvent.self {
            self.startDraining()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // HTTP/2 errors never get here: GRPCHTTP2Handler resets the stream or ends the
        // connection with GOAWAY itself, and fails the promise of a write to a stream that has
        // ended. What does arrive (I/O, TLS) ends the connection.
        context.close(promise: nil)
    }

    // MARK: - Used by the calls

    /// Writes a frame; it is flushed at the end of the read batch, or by a flush task queued
    /// behind writes that come from other threads, so that a burst of responses shares one
    /// syscall. `promise` completes once the frame's bytes are on the socket (streaming calls
    /// count their queued bytes with it); it fails when the connection is gone.
    func write(_ frame: HTTP2Frame, promise: EventLoopPromise<Void>? = nil) {
        guard let context = self.context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(self.wrapOutboundOut(frame), promise: promise)
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
        if self.goAwayStreamID != nil && self.calls.isEmpty {
            self.context?.close(promise: nil)
        }
    }

    // MARK: - Streams

    private func openStream(_ streamID: HTTP2StreamID, headers: HPACKHeaders, endStream: Bool) {
        guard let context = self.context else { return }
        self.highestStreamID = max(self.highestStreamID, streamID)
        // One pass over the header list for the five headers gRPC reads. HTTP/2 header names
        // are lowercase (RFC 7540 §8.1.2); a header spelled otherwise is as good as missing.
        var method = "", path = "", contentType = ""
        var timeout: String?, encoding: String?
        for (name, value, _) in headers {
            switch name {
            case ":method": method = value
            case ":path": path = value
            case "content-type": contentType = value
            case "grpc-timeout": timeout = value
            case "grpc-encoding": encoding = value
            default: break
            }
        }
        if method == "GET" || method == "HEAD" {
            self.serveHTTP(streamID, requestEnded: endStream, path: path, headOnly: method == "HEAD")
            return
        }
        guard method == "POST" else {
            self.reject(streamID, requestEnded: endStream, httpStatus: "405", GRPCStatus(.internal, "invalid gRPC request method \"\(method)\""))
            return
        }
        guard contentType.hasPrefix("application/grpc") else {
            self.reject(streamID, requestEnded: endStream, httpStatus: "415",
                GRPCStatus(.internal, "invalid gRPC request content-type \"\(contentType)\""))
            return
        }
        let route: GRPCServerMethod
        switch self.router.route(path) {
        case .success(let found): route = found
        case .failure(let status):
            self.reject(streamID, requestEnded: endStream, httpStatus: "200", status)
            return
        }
        var deadline: NIODeadline?
        if let timeout {
            guard let amount = GRPCTimeout.parse(Substring(timeout)) else {
                self.reject(streamID, requestEnded: endStream, httpStatus: "200", GRPCStatus(.internal, "malformed grpc-timeout: \(timeout)"))
                return
            }
            deadline = .now() + amount
        }
        let call = GRPCServerCall(
            streamID: streamID, path: path, requestHeaders: headers, deadline: deadline,
            requestEncoding: encoding, connection: self, eventLoop: context.eventLoop,
            maxReceiveMessageBytes: self.limits.maxReceiveMessageBytes,
            maxQueuedResponseBytes: self.limits.maxQueuedResponseBytesPerStream, method: route)
        self.calls[streamID] = call
        call.start(route)
        if let deadline {
            self.deadlineTimer.arm(for: deadline, on: context.eventLoop) { [weak self] in self?.expireDeadlines() }
        }
        if endStream { call.receiveEnd() }
    }

    /// Answers a call that cannot start with a Trailers-Only response.
    private func reject(_ streamID: HTTP2StreamID, requestEnded: Bool, httpStatus: String, _ status: GRPCStatus) {
        var headers: HPACKHeaders = [":status": httpStatus, "content-type": "application/grpc"]
        headers.add(name: "grpc-status", value: String(status.code.rawValue))
        headers.add(name: "grpc-message", value: GRPCPercentEncoding.encode(status.message))
        self.write(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: true))))
        self.stopRequest(streamID, requestEnded: requestEnded)
    }

    /// A client still sending on a stream we have answered is told to stop (as
    /// ``GRPCServerCall`` does), so that the stream does not hold one of the connection's slots.
    private func stopRequest(_ streamID: HTTP2StreamID, requestEnded: Bool) {
        if !requestEnded {
            self.write(HTTP2Frame(streamID: streamID, payload: .rstStream(.noError)))
        }
    }

    private func serveHTTP(_ streamID: HTTP2StreamID, requestEnded: Bool, path: String, headOnly: Bool) {
        let response = self.httpEndpoints?(path) ?? .notFound
        var body = ByteBuffer(string: response.body)
        let headers: HPACKHeaders = [
            ":status": String(response.status), "content-type": response.contentType,
            "content-length": String(body.readableBytes),
        ]
        if headOnly { body.clear() }
        self.write(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: body.readableBytes == 0))))
        if body.readableBytes > 0 {
            self.write(HTTP2Frame(streamID: streamID, payload: .data(.init(data: .byteBuffer(body), endStream: true))))
        }
        self.stopRequest(streamID, requestEnded: requestEnded)
    }

    private func acknowledgeConnectionBytes(_ length: Int) {
        self.unacknowledgedConnectionBytes += length
        if self.unacknowledgedConnectionBytes >= self.limits.connectionWindowBytes / 2 {
            let increment = self.unacknowledgedConnectionBytes
            self.unacknowledgedConnectionBytes = 0
            self.write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment)))
        }
    }

    /// GOAWAY naming the last stream served; the connection closes once the calls in flight
    /// have ended (``GRPCServer`` closes it anyway after the grace period).
    ///
    /// One step, not grpc-go's two (GOAWAY with the largest ID and a PING, then the real one):
    /// a stream the client opened before it saw the GOAWAY is above the ID named, and
    /// ``GRPCHTTP2Handler`` resets it with REFUSED_STREAM, which clients retry (and
    /// ``GRPCClient`` reports as UNAVAILABLE).
    private func startDraining() {
        guard self.goAwayStreamID == nil, let context = self.context else { return }
        self.goAwayStreamID = self.highestStreamID
        self.write(
            HTTP2Frame(
                streamID: .rootStream,
                payload: .goAway(lastStreamID: self.highestStreamID, errorCode: .noError, opaqueData: nil)))
        context.flush()
        if self.calls.isEmpty { context.close(promise: nil) }
    }

    /// Ends the calls whose deadline has passed and arms the timer for the earliest one left.
    private func expireDeadlines() {
        self.deadlineTimer.fired()
        let (overdue, earliestLeft) = GRPCDeadlineTimer.overdue(self.calls.values, deadline: { $0.deadline })
        for call in overdue { call.expireDeadline() }
        if let earliestLeft, let context = self.context {
            self.deadlineTimer.arm(for: earliestLeft, on: context.eventLoop) { [weak self] in self?.expireDeadlines() }
        }
    }

    private func cancelAll() {
        self.deadlineTimer.cancel()
        let calls = self.calls
        self.calls = [:]
        for call in calls.values { call.cancel() }
    }
}
