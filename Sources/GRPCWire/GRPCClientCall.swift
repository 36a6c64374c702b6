import NIOCore
import NIOHPACK
import NIOHTTP2

/// One call made by ``GRPCClient``: one HTTP/2 stream on a client connection. Lives on the
/// connection's event loop like ``GRPCServerCall``; the public faces (``GRPCClient/unary``,
/// ``GRPCClientStream``) hop to it.
final class GRPCClientCall: @unchecked Sendable {
    /// What the caller hears, on the event loop: each response message, then the end once.
    struct Observer {
        var onMessage: (ByteBuffer) -> Void
        /// The status, the trailers, and whether the server certainly never processed the call
        /// (refused or above its GOAWAY): such a call is safe to send again.
        var onClose: (GRPCStatus, HPACKHeaders, Bool) -> Void
    }

    let streamID: HTTP2StreamID
    let eventLoop: any EventLoop
    private let connection: GRPCClientConnectionHandler
    private var observer: Observer?
    private var deframer: GRPCMessageDeframer
    /// When the caller stops waiting; the connection's ``GRPCDeadlineTimer`` watches it.
    let deadline: NIODeadline?
    private var responseHeadersSeen = false
    private var unacknowledgedResponseBytes = 0
    /// We sent END_STREAM: no more requests.
    private var halfClosed = false

    init(
        streamID: HTTP2StreamID, connection: GRPCClientConnectionHandler, eventLoop: any EventLoop, observer: Observer,
        deadline: NIODeadline?, maxReceiveMessageBytes: Int
    ) {
        self.streamID = streamID
        self.deadline = deadline
        self.eventLoop = eventLoop
        self.connection = connection
        self.observer = observer
        self.deframer = GRPCMessageDeframer(limit: maxReceiveMessageBytes)
    }

    var isClosed: Bool { self.observer == nil }

    /// Sends one framed request message; `end` half-closes the stream with it.
    func send(_ framed: ByteBuffer, end: Bool) {
        guard !self.isClosed, !self.halfClosed else { return }
        self.halfClosed = end
        self.connection.write(
            HTTP2Frame(streamID: self.streamID, payload: .data(.init(data: .byteBuffer(framed), endStream: end))))
    }

    /// Half-closes the stream: the server sees the end of the requests.
    func finishSending() {
        guard !self.isClosed, !self.halfClosed else { return }
        self.halfClosed = true
        self.connection.write(
            HTTP2Frame(streamID: self.streamID, payload: .data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))))
    }

    /// Ends the call from this side: RST_STREAM(CANCEL), and the caller hears `status`.
    func abort(_ status: GRPCStatus) {
        guard !self.isClosed else { return }
        self.connection.write(HTTP2Frame(streamID: self.streamID, payload: .rstStream(.cancel)))
        self.close(status, trailers: [:])
    }

    // MARK: - Driven by the connection handler

    func receiveHeaders(_ headers: HPACKHeaders, endStream: Bool) {
        guard !self.isClosed else { return }
        if !self.responseHeadersSeen {
            self.responseHeadersSeen = true
            if let status = headers.first(name: ":status"), status != "200" {
                // Not a gRPC answer (a proxy, a plain HTTP server): gRPC's HTTP-to-status mapping.
                if headers.first(name: "grpc-status") == nil {
                    self.abortOrClose(Self.statusForHTTP(status), endStream: endStream)
                    return
                }
            }
        }
        guard endStream else { return }
        self.close(Self.status(fromTrailers: headers), trailers: headers)
    }

    /// - Returns: how many bytes to give back to the stream's window now.
    func receiveData(_ bytes: ByteBuffer, flowControlledLength: Int, endStream: Bool, streamWindow: Int) -> Int {
        guard !self.isClosed else { return 0 }
        self.deframer.append(bytes)
        while !self.isClosed {
            let message: ByteBuffer?
            do {
                message = try self.deframer.next()
            } catch .tooLarge(let length, let limit) {
                self.abort(GRPCStatus(.resourceExhausted, "grpc: received message larger than max (\(length) vs. \(limit))"))
                return 0
            } catch {
                self.abort(GRPCStatus(.unimplemented, "grpc: compressed response, no decompressor"))
                return 0
            }
            guard let message else { break }
            self.observer?.onMessage(message)
        }
        if endStream {
            self.close(GRPCStatus(.internal, "server closed the stream without sending trailers"), trailers: [:])
            return 0
        }
        self.unacknowledgedResponseBytes += flowControlledLength
        guard self.unacknowledgedResponseBytes >= streamWindow / 2 else { return 0 }
        defer { self.unacknowledgedResponseBytes = 0 }
        return self.unacknowledgedResponseBytes
    }

    func receiveReset(_ code: HTTP2ErrorCode) {
        // grpc-go's mapping of RST_STREAM codes (http_util.go, http2ErrConvTab).
        let status: GRPCStatus
        switch code {
        case .refusedStream: status = GRPCStatus(.unavailable, "stream refused by the server")
        case .cancel: status = GRPCStatus(.cancelled, "stream cancelled by the server")
        case .enhanceYourCalm: status = GRPCStatus(.resourceExhausted, "stream reset: ENHANCE_YOUR_CALM")
        case .inadequateSecurity: status = GRPCStatus(.permissionDenied, "stream reset: INADEQUATE_SECURITY")
        default: status = GRPCStatus(.internal, "stream terminated by RST_STREAM with error code: \(code)")
        }
        self.close(status, trailers: [:], neverProcessed: code == .refusedStream)
    }

    /// The connection is gone (closed, or GOAWAY before this stream was taken).
    func connectionLost(_ status: GRPCStatus, neverProcessed: Bool) {
        self.close(status, trailers: [:], neverProcessed: neverProcessed)
    }

    private func abortOrClose(_ status: GRPCStatus, endStream: Bool) {
        if endStream { self.close(status, trailers: [:]) } else { self.abort(status) }
    }

    private func close(_ status: GRPCStatus, trailers: HPACKHeaders, neverProcessed: Bool = false) {
        guard let observer = self.observer else { return }
        self.observer = nil
        self.connection.callEnded(self.streamID)
        observer.onClose(status, trailers, neverProcessed && !self.responseHeadersSeen)
    }

    static func status(fromTrailers trailers: HPACKHeaders) -> GRPCStatus {
        guard let raw = trailers.first(name: "grpc-status"), let number = Int(raw),
            let code = GRPCStatus.Code(rawValue: number)
        else {
            return GRPCStatus(.unknown, "response trailers without a valid grpc-status")
        }
        let message = trailers.first(name: "grpc-message").map(GRPCPercentEncoding.decode) ?? ""
        return GRPCStatus(code, message)
    }

    /// gRPC's mapping of HTTP statuses without grpc-status (doc/http-grpc-status-mapping.md).
    static func statusForHTTP(_ status: String) -> GRPCStatus {
        let code: GRPCStatus.Code
        switch status {
        case "400": code = .internal
        case "401": code = .unauthenticated
        case "403": code = .permissionDenied
        case "404": code = .unimplemented
        case "429", "502", "503", "504": code = .unavailable
        default: code = .unknown
        }
        return GRPCStatus(code, "unexpected HTTP status code received from server: \(status)")
    }
}
