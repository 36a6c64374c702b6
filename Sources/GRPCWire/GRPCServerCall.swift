import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import SwiftProtobuf

/// One gRPC call on the server: one HTTP/2 stream, from its request HEADERS to the trailers.
///
/// A call lives on its connection's event loop: frames arrive there, and the method's handler is
/// invoked there, with no hop through a task or another thread (the hops cost grpc-swift-2 a
/// tenth of its time, shared/notes/grpc-on-swift.md). Handlers that finish elsewhere (after a
/// Raft commit, say) may call ``send(_:)`` and ``finish(_:trailers:)`` from any thread: those hop
/// to the event loop. All mutable state is touched on the event loop only, which is why the
/// class can be `@unchecked Sendable`.
public final class GRPCServerCall: @unchecked Sendable {
    /// The request's metadata: every header of the request HEADERS, pseudo-headers included.
    public let requestHeaders: HPACKHeaders
    /// The method's path, `/package.Service/Method`.
    public let path: String
    /// When the client stops waiting (`grpc-timeout`); nil when it sent none.
    public let deadline: NIODeadline?
    public let eventLoop: any EventLoop

    let streamID: HTTP2StreamID
    private let connection: GRPCServerConnectionHandler
    private var deframer: GRPCMessageDeframer
    private let requestEncoding: String?

    /// Where request messages go: for a single-request method, its shared closure; for a
    /// streaming one, the call's own sink, made when the call starts and dropped when it ends
    /// (the sink holds the call strongly: the cycle lives exactly as long as the call).
    private var receiver: Receiver
    private enum Receiver {
        case single(@Sendable (ByteBuffer, GRPCServerCall) -> Void, received: Bool)
        case stream(GRPCRequestSink?)
    }
    private var cancelHandlers: [(GRPCStatus) -> Void] = []
    /// The method's observer of endings, if it has one.
    private let finished: (@Sendable (GRPCStatus.Code) -> Void)?
    /// The bound on queued responses, for server-streaming and bidirectional calls; nil for
    /// calls with one response, whose writes need no promise (the hot path).
    private var backpressure: GRPCResponseBackpressure?
    private let hasStreamingResponses: Bool

    private enum State {
        /// No response HEADERS sent yet.
        case open
        /// Response HEADERS sent: messages may follow.
        case responding
        /// Trailers sent or the stream reset: nothing more goes out.
        case closed
    }
    private var state: State = .open
    /// The client sent END_STREAM: it sends nothing more (the DATA frame's messages may still
    /// be on their way to the sink).
    private var clientHalfClosed = false
    /// The sink was told the requests ended.
    private var endDelivered = false
    private var unacknowledgedRequestBytes = 0

    init(
        streamID: HTTP2StreamID,
        path: String,
        requestHeaders: HPACKHeaders,
        deadline: NIODeadline?,
        requestEncoding: String?,
        connection: GRPCServerConnectionHandler,
        eventLoop: any EventLoop,
        maxReceiveMessageBytes: Int,
        maxQueuedResponseBytes: Int,
        method: GRPCServerMethod
    ) {
        self.streamID = streamID
        self.path = path
        self.requestHeaders = requestHeaders
        self.deadline = deadline
        self.requestEncoding = requestEncoding
        self.connection = connection
        self.eventLoop = eventLoop
        self.deframer = GRPCMessageDeframer(limit: maxReceiveMessageBytes)
        self.finished = method.finished
        self.hasStreamingResponses = method.type == .serverStream || method.type == .bidiStream
        if self.hasStreamingResponses {
            self.backpressure = GRPCResponseBackpressure(limit: maxQueuedResponseBytes)
        }
        switch method.kind {
        case .singleRequest(let handler): self.receiver = .single(handler, received: false)
        case .requestStream: self.receiver = .stream(nil)
        }
    }

    /// Runs the method's start for a streaming call; nothing to do for a single request.
    func start(_ method: GRPCServerMethod) {
        if case .requestStream(let start) = method.kind {
            self.receiver = .stream(start(self))
        }
    }

    /// The length of the last request message received, in bytes: what etcd compares with
    /// `--max-request-bytes`. Read on the event loop.
    public private(set) var lastRequestMessageBytes = 0

    /// True once the trailers went out or the client went away: later responses are dropped.
    /// Read on the event loop.
    public var isClosed: Bool {
        self.eventLoop.preconditionInEventLoop()
        return self.state == .closed
    }

    /// Response bytes of this streaming call written but not yet on the socket: they wait for
    /// the client's flow-control window or for room in the socket (always 0 for calls with one
    /// response). Read on the event loop.
    public var queuedResponseBytes: Int {
        self.eventLoop.preconditionInEventLoop()
        return self.backpressure?.queuedBytes ?? 0
    }

    /// Sends one response message of a streaming call once the call's queued responses leave
    /// room for it (``GRPCLimits/maxQueuedResponseBytesPerStream``), suspending the producer
    /// until then: how a stream to a client that reads slowly stays bounded (SPEC B9).
    /// Serialization happens on the calling thread.
    ///
    /// Messages go out in the order their sends reach the event loop; a producer that awaits
    /// each send before the next and before ``finish(_:trailers:)`` keeps its order. ``send(_:)``
    /// (which never waits, and whose bytes count too) overtakes sends suspended here.
    /// - Throws: ``GRPCStatus`` when the call ended before the message could go (the client
    ///   went away, or the call finished): nothing more can be sent.
    public func sendWhenWritable(_ message: some SwiftProtobuf.Message) async throws {
        precondition(self.hasStreamingResponses, "sendWhenWritable is for server-streaming and bidirectional calls")
        let framed: ByteBuffer
        do {
            framed = try message.grpcFramed()
        } catch {
            let status = GRPCStatus(.internal, "grpc: error while marshaling: \(error)")
            self.finish(status)
            throw status
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.eventLoop.executeNowOrLater { self.sendOrWait(framed, continuation) }
        }
    }

    /// Sends one response message. Serialization happens on the calling thread. It never
    /// waits: producers of many responses bound their memory with ``sendWhenWritable(_:)``.
    public func send(_ message: some SwiftProtobuf.Message) {
        guard let framed = self.framedOrFinish(message) else { return }
        if self.eventLoop.inEventLoop {
            self.sendFramed(framed)
        } else {
            self.eventLoop.execute { self.sendFramed(framed) }
        }
    }

    /// Sends a unary call's one response and ends the call OK, with one hop to the event loop.
    /// With two (``send(_:)`` then ``finish(_:trailers:)`` from another thread), the loop may
    /// wake for the first before the second is queued, and the message and the trailers leave
    /// in two packets that wake the client twice.
    public func respond(_ message: some SwiftProtobuf.Message, trailers: HPACKHeaders = [:]) {
        guard let framed = self.framedOrFinish(message) else { return }
        if self.eventLoop.inEventLoop {
            self.sendFramed(framed)
            self.finishOnLoop(.ok, trailers: trailers)
        } else {
            self.eventLoop.execute {
                self.sendFramed(framed)
                self.finishOnLoop(.ok, trailers: trailers)
            }
        }
    }

    /// The message serialized and framed, or nil after finishing the call with grpc-go's
    /// INTERNAL "error while marshaling".
    private func framedOrFinish(_ message: some SwiftProtobuf.Message) -> ByteBuffer? {
        do {
            return try message.grpcFramed()
        } catch {
            self.finish(GRPCStatus(.internal, "grpc: error while marshaling: \(error)"))
            return nil
        }
    }

    /// Ends the call with `status` and trailing metadata. Only the first finish counts.
    public func finish(_ status: GRPCStatus, trailers: HPACKHeaders = [:]) {
        if self.eventLoop.inEventLoop {
            self.finishOnLoop(status, trailers: trailers)
        } else {
            self.eventLoop.execute { self.finishOnLoop(status, trailers: trailers) }
        }
    }

    /// Runs `handler` on the event loop if the call ends without the handler finishing it: the
    /// client reset the stream, the connection closed, or the deadline passed. Runs at once
    /// (on the loop) when the call is already over.
    public func onCancel(_ handler: @escaping @Sendable (GRPCStatus) -> Void) {
        guard self.eventLoop.inEventLoop else {
            self.eventLoop.execute { self.onCancel(handler) }
            return
        }
        if self.state == .closed {
            handler(.cancelledByClient)
        } else {
            self.cancelHandlers.append(handler)
        }
    }

    // MARK: - Driven by the connection handler, on the event loop

    /// The deadline passed (the connection's ``GRPCDeadlineTimer`` found it overdue): ends the
    /// call with DEADLINE_EXCEEDED and tells its cancel handlers.
    func expireDeadline() {
        guard self.state != .closed else { return }
        let handlers = self.cancelHandlers
        self.finishOnLoop(.deadlineExceeded, trailers: [:])
        for handler in handlers { handler(.deadlineExceeded) }
    }

    /// The bytes of one DATA frame: hands each whole message to the sink.
    /// - Returns: how many bytes the stream's flow-control window should get back now (0 while
    ///   fewer than half a window's worth were consumed).
    func receiveData(_ bytes: ByteBuffer, flowControlledLength: Int, endStream: Bool, streamWindow: Int) -> Int {
        guard self.state != .closed else { return 0 }
        if endStream { self.clientHalfClosed = true }
        self.deframer.append(bytes)
        while self.state != .closed {
            let message: ByteBuffer?
            do {
                message = try self.deframer.next()
            } catch .tooLarge(let length, let limit) {
                self.finishOnLoop(.messageTooLarge(length: length, limit: limit), trailers: [:])
                return 0
            } catch {
                self.finishOnLoop(.compressionUnsupported(self.requestEncoding ?? ""), trailers: [:])
                return 0
            }
            guard let message else { break }
            self.lastRequestMessageBytes = message.readableBytes
            self.deliver(message)
        }
        if endStream {
            self.receiveEnd()
            return 0
        }
        self.unacknowledgedRequestBytes += flowControlledLength
        guard self.unacknowledgedRequestBytes >= streamWindow / 2 else { return 0 }
        defer { self.unacknowledgedRequestBytes = 0 }
        return self.unacknowledgedRequestBytes
    }

    /// The client half-closed the stream (END_STREAM).
    func receiveEnd() {
        self.clientHalfClosed = true
        guard !self.endDelivered else { return }
        self.endDelivered = true
        guard self.state != .closed else { return }
        if self.deframer.hasPartialMessage {
            self.finishOnLoop(GRPCStatus(.internal, "grpc: request ended inside a message"), trailers: [:])
            return
        }
        switch self.receiver {
        case .single(_, let received):
            if !received { self.finishOnLoop(.missingRequest, trailers: [:]) }
        case .stream(let sink):
            sink?.onEnd()
        }
    }

    private func deliver(_ message: ByteBuffer) {
        switch self.receiver {
        case .single(let handler, let received):
            // Only the first message counts, as in grpc-go's unary path.
            guard !received else { return }
            self.receiver = .single(handler, received: true)
            handler(message, self)
        case .stream(let sink):
            sink?.onMessage(message)
        }
    }

    /// The client reset the stream or the connection went away: nothing more can be sent.
    func cancel() {
        guard self.state != .closed else { return }
        self.state = .closed
        self.clientHalfClosed = true
        self.finished?(.cancelled)
        let handlers = self.cancelHandlers
        self.release()
        for handler in handlers { handler(.cancelledByClient) }
    }

    private func sendOrWait(_ framed: ByteBuffer, _ continuation: CheckedContinuation<Void, any Error>) {
        guard self.state != .closed else {
            continuation.resume(throwing: GRPCStatus.callEnded)
            return
        }
        if self.backpressure!.admits(framed.readableBytes) {
            self.sendFramed(framed, admitted: true)
            continuation.resume()
        } else {
            self.backpressure!.wait((framed, continuation))
        }
    }

    /// A response's bytes left the queue: sends that waited for the room go out, in order.
    private func responseWritten(_ bytes: Int) {
        self.backpressure!.written(bytes)
        while self.state != .closed, let next = self.backpressure!.nextAdmitted() {
            self.sendFramed(next.framed, admitted: true)
            next.continuation.resume()
        }
    }

    /// `admitted`: the bound let the message in (``sendWhenWritable(_:)``).
    private func sendFramed(_ framed: ByteBuffer, admitted: Bool = false) {
        switch self.state {
        case .closed:
            return
        case .open:
            self.state = .responding
            self.connection.write(
                HTTP2Frame(streamID: self.streamID, payload: .headers(.init(headers: Self.responseHeaders)))
            )
        case .responding:
            break
        }
        let frame = HTTP2Frame(streamID: self.streamID, payload: .data(.init(data: .byteBuffer(framed))))
        guard self.backpressure != nil else {
            self.connection.write(frame)
            return
        }
        let bytes = framed.readableBytes
        self.backpressure!.queued(bytes, admitted: admitted)
        let written = self.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in self.responseWritten(bytes) }
        self.connection.write(frame, promise: written)
    }

    private func finishOnLoop(_ status: GRPCStatus, trailers: HPACKHeaders) {
        guard self.state != .closed else { return }
        var headers: HPACKHeaders
        if status.code == .ok && status.message.isEmpty && trailers.isEmpty {
            // The common ending, from a constant: no header list built per call.
            headers = self.state == .open ? Self.okTrailersOnly : Self.okTrailers
        } else {
            // Trailers-Only (nothing sent yet): one HEADERS frame carries :status and the status.
            headers = self.state == .open ? Self.responseHeaders : HPACKHeaders()
            headers.add(name: "grpc-status", value: String(status.code.rawValue))
            if !status.message.isEmpty {
                headers.add(name: "grpc-message", value: GRPCPercentEncoding.encode(status.message))
            }
            headers.add(contentsOf: trailers)
        }
        self.state = .closed
        self.finished?(status.code)
        self.connection.write(HTTP2Frame(streamID: self.streamID, payload: .headers(.init(headers: headers, endStream: true))))
        if !self.clientHalfClosed {
            // The client may still be sending; tell it to stop (grpc-go does the same).
            self.clientHalfClosed = true
            self.connection.write(HTTP2Frame(streamID: self.streamID, payload: .rstStream(.noError)))
        }
        self.release()
    }

    private func release() {
        if case .stream = self.receiver { self.receiver = .stream(nil) }
        self.cancelHandlers = []
        if let waiting = self.backpressure?.removeAllWaiting() {
            for send in waiting { send.continuation.resume(throwing: GRPCStatus.callEnded) }
        }
        self.connection.callEnded(self.streamID)
    }

    static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    static let okTrailers: HPACKHeaders = ["grpc-status": "0"]
    static let okTrailersOnly: HPACKHeaders = [":status": "200", "content-type": "application/grpc", "grpc-status": "0"]
}

/// Where a call's request messages go: set by ``GRPCServerMethod`` when the call starts.
struct GRPCRequestSink {
    var onMessage: (ByteBuffer) -> Void
    var onEnd: () -> Void
}
