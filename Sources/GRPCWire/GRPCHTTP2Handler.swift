import NIOCore
import NIOHPACK
import NIOHTTP2

/// HTTP/2 (RFC 9113) under gRPC, on either end of a connection: bytes in, `HTTP2Frame`s out to
/// the connection's gRPC handler (``GRPCServerConnectionHandler`` behind
/// ``GRPCServerKeepaliveHandler``, or ``GRPCClientConnectionHandler``), and the frames it writes
/// turned into bytes. It takes the place of swift-nio-http2's `NIOHTTP2Handler` and keeps its
/// frame types and its HPACK decoder.
///
/// Why our own: behind `NIOHTTP2Handler` a unary call cost a server ~16 µs of CPU, 40% of a
/// whole durable put on one member and more than etcd's gRPC layer, and the client about as
/// much; its general stream state machine, per-frame events and buffers serve features gRPC
/// does not use. gRPC needs less: streams opened by the client only, no push, no priorities,
/// headers from a fixed few fields. What it keeps of the protocol:
/// - framing limits: frames up to 16 KiB in (we never advertise more), the peer's
///   SETTINGS_MAX_FRAME_SIZE out, HEADERS continued in CONTINUATION frames both ways;
/// - HPACK: every header block decoded in order into the connection's dynamic table (a refused
///   stream's too); ours encoded without one (``HPACKLiteralEncoder``);
/// - flow control of what we send: a stream's DATA waits for the peer's stream and connection
///   windows and leaves in order behind it, trailers and resets too;
/// - stream rules: odd, increasing IDs opened by the client. A server refuses streams above its
///   SETTINGS_MAX_CONCURRENT_STREAMS, or opened after its GOAWAY beyond the stream it names, with
///   RST_STREAM(REFUSED_STREAM), which clients retry; a client opens no more streams than the
///   server's limit and holds the others back until one ends;
/// - SETTINGS and PING acknowledged; a broken rule ends the connection with GOAWAY naming it;
/// - floods: control frames beyond ``GRPCLimits/maxControlFramesPerWindow``, and on a server
///   pings that break grpc-go's policy (``GRPCPingEnforcer``), end it with
///   GOAWAY(ENHANCE_YOUR_CALM).
///
/// What the peer sends is flow-controlled by the gRPC handler, which gives the window back as
/// calls consume the bytes. Downstream see HEADERS, DATA and RST_STREAM of streams, and a
/// client the server's GOAWAY; the connection's other frames end here.
final class GRPCHTTP2Handler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = ByteBuffer

    enum Role {
        /// Pings from the client are policed with the server's keepalive policy.
        case server(GRPCKeepalive)
        case client
    }

    /// The peer broke the protocol; the connection ends with GOAWAY carrying `code`.
    struct ConnectionError: Error, CustomStringConvertible {
        var code: HTTP2ErrorCode
        var reason: String
        var description: String { "HTTP/2 connection error \(self.code): \(self.reason)" }
    }

    /// A frame was written to a stream that has ended (both halves closed, or reset).
    struct StreamClosedError: Error, CustomStringConvertible {
        var streamID: HTTP2StreamID
        var description: String { "HTTP/2 stream \(self.streamID) is closed" }
    }

    private let limits: GRPCLimits
    private let isServer: Bool
    /// The server's policing of the client's pings.
    private var pings: GRPCPingEnforcer?
    private var context: ChannelHandlerContext?
    private var decoder: HPACKDecoder
    /// Bytes read and not yet a whole frame.
    private var inbound = ByteBuffer()
    /// A server has read the client's connection preface; a client has sent its own.
    private var prefaceDone = false
    /// A HEADERS frame without END_HEADERS: its block so far, until the last CONTINUATION.
    private var headerBlock: (streamID: HTTP2StreamID, endStream: Bool, block: ByteBuffer)?
    private var streams: [HTTP2StreamID: HTTP2Stream] = [:]
    /// Streams open on the wire (a client's streams held back by the server's limit are not).
    private var openStreamCount = 0
    /// A client's streams waiting for one of the server's SETTINGS_MAX_CONCURRENT_STREAMS.
    private var waitingToOpen = CircularBuffer<HTTP2Stream>()
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS; none until its first SETTINGS arrive.
    private var peerMaxConcurrentStreams = 0
    private var peerSettingsReceived = false
    /// The highest stream opened so far (by the client, whichever end we are).
    private var highestStreamID = HTTP2StreamID(0)
    /// The last stream a client started (open, or waiting to open).
    private var lastStartedStreamID = HTTP2StreamID(0)
    /// The last stream named by a GOAWAY: the one a server sent, or the one a client received.
    private var goAwayLastStreamID: HTTP2StreamID?
    private var connectionSendWindow = HTTP2Wire.defaultWindow
    private var peerInitialWindow = HTTP2Wire.defaultWindow
    private var peerMaxFrameSize = HTTP2Wire.defaultMaxFrameSize
    private var waitingForConnectionWindow: [HTTP2Stream] = []
    private var output: HTTP2FrameWriter
    private var failed = false
    /// A close that waits for held-back frames to leave: its promise.
    private var closeWaiting: EventLoopPromise<Void>??
    private var controlFrames: HTTP2ControlFrameBudget

    init(role: Role, limits: GRPCLimits) {
        self.limits = limits
        switch role {
        case .server(let keepalive):
            self.isServer = true
            self.pings = GRPCPingEnforcer(policy: keepalive)
        case .client:
            self.isServer = false
        }
        self.output = HTTP2FrameWriter(allocator: ByteBufferAllocator())
        self.controlFrames = HTTP2ControlFrameBudget(limit: limits.maxControlFramesPerWindow, window: limits.controlFrameWindow)
        self.decoder = HPACKDecoder(
            allocator: ByteBufferAllocator(), maxDynamicTableSize: HPACKDecoder.maxDynamicTableSize,
            maxHeaderListSize: limits.maxHeaderListBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.output = HTTP2FrameWriter(allocator: context.channel.allocator)
        // A server is added once the client's preface is in; a client may be added before the
        // connection is up.
        if self.isServer || context.channel.isActive { self.sendPreface(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if !self.isServer && !self.prefaceDone { self.sendPreface(context) }
        context.fireChannelActive()
    }

    /// The connection preface (RFC 9113 §3.4): the client's magic octets, then either end's SETTINGS.
    private func sendPreface(_ context: ChannelHandlerContext) {
        var settings: [(UInt16, Int)] = [
            (HTTP2Wire.Setting.initialWindowSize, self.limits.streamWindowBytes),
            (HTTP2Wire.Setting.maxHeaderListSize, self.limits.maxHeaderListBytes),
        ]
        if self.isServer {
            settings.append((HTTP2Wire.Setting.maxConcurrentStreams, self.limits.maxConcurrentStreams))
        } else {
            self.prefaceDone = true
            self.output.clientPreface()
            settings.append((HTTP2Wire.Setting.enablePush, 0))
        }
        self.output.settings(settings)
        self.output.flush(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.abandonAll()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A downstream handler may close the channel inside our read loop: it stops here.
        self.failed = true
        self.abandonAll()
        context.fireChannelInactive()
    }

    /// A close waits for the frames already written to reach the socket, and for DATA that flow
    /// control holds back (a graceful shutdown closes as soon as the last call has written its
    /// trailers). A second close, such as the shutdown's grace timer, does not wait.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !self.failed, self.closeWaiting == nil else {
            context.close(mode: mode, promise: promise)
            return
        }
        self.closeWaiting = .some(promise)
        self.closeWhenDrained(context)
    }

    private func closeWhenDrained(_ context: ChannelHandlerContext) {
        guard case .some(let promise) = self.closeWaiting,
            !self.streams.values.contains(where: { !$0.pending.isEmpty })
        else { return }
        self.failed = true
        let written = context.eventLoop.makePromise(of: Void.self)
        self.output.complete(written)
        self.output.flush(context)
        written.futureResult.whenComplete { _ in context.close(mode: .all, promise: promise) }
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        var bytes = self.unwrapInboundIn(data)
        if self.inbound.readableBytes == 0 {
            self.inbound = bytes
        } else {
            self.inbound.writeBuffer(&bytes)
        }
        do {
            try self.readFrames(context)
        } catch let error as ConnectionError {
            self.fail(context, error)
        } catch {
            self.fail(context, ConnectionError(code: .internalError, reason: "\(error)"))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        // Acknowledgements and resets of this batch that no downstream flush took along.
        if self.output.hasPending { self.output.flush(context) }
    }

    private func readFrames(_ context: ChannelHandlerContext) throws {
        if self.isServer && !self.prefaceDone {
            let count = HTTP2Wire.clientPreface.count
            guard self.inbound.readableBytes >= count else { return }
            guard self.inbound.readBytes(length: count)! == HTTP2Wire.clientPreface else {
                throw ConnectionError(code: .protocolError, reason: "invalid connection preface")
            }
            self.prefaceDone = true
        }
        while !self.failed, let header = HTTP2Wire.FrameHeader.peek(self.inbound) {
            guard header.length <= HTTP2Wire.defaultMaxFrameSize else {
                throw ConnectionError(
                    code: .frameSizeError, reason: "frame of \(header.length) bytes exceeds \(HTTP2Wire.defaultMaxFrameSize)")
            }
            guard self.inbound.readableBytes >= HTTP2Wire.frameHeaderBytes + header.length else { break }
            self.inbound.moveReaderIndex(forwardBy: HTTP2Wire.frameHeaderBytes)
            var payload = self.inbound.readSlice(length: header.length)!
            try self.receive(header, &payload, context)
        }
        if self.inbound.readableBytes == 0 {
            self.inbound = ByteBuffer()
        } else if self.inbound.readerIndex > 0 {
            // Less than a frame is left: keep it, not every byte read before it.
            self.inbound.discardReadBytes()
        }
    }

    private func receive(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        if let block = self.headerBlock, header.type != HTTP2Wire.FrameType.continuation || header.streamID != block.streamID {
            throw ConnectionError(code: .protocolError, reason: "expected CONTINUATION of stream \(block.streamID)")
        }
        switch header.type {
        case HTTP2Wire.FrameType.data:
            try self.receiveData(header, &payload, context)
        case HTTP2Wire.FrameType.headers:
            try self.receiveHeaders(header, &payload, context)
        case HTTP2Wire.FrameType.continuation:
            try self.receiveContinuation(header, &payload, context)
        case HTTP2Wire.FrameType.priority:
            try self.countControlFrame()
            guard header.streamID != .rootStream else { throw ConnectionError(code: .protocolError, reason: "PRIORITY on stream 0") }
            guard header.length == 5 else { throw ConnectionError(code: .frameSizeError, reason: "PRIORITY of \(header.length) bytes") }
        case HTTP2Wire.FrameType.rstStream:
            // A server's resets are answers to our streams, not a flood.
            if self.isServer { try self.countControlFrame() }
            try self.receiveReset(header, &payload, context)
        case HTTP2Wire.FrameType.settings:
            try self.receiveSettings(header, &payload)
        case HTTP2Wire.FrameType.ping:
            try self.receivePing(header, &payload)
        case HTTP2Wire.FrameType.goAway:
            try self.receiveGoAway(header, &payload, context)
        case HTTP2Wire.FrameType.windowUpdate:
            try self.receiveWindowUpdate(header, &payload, context)
        case HTTP2Wire.FrameType.pushPromise:
            // Servers cannot push to servers, and our clients' SETTINGS_ENABLE_PUSH is 0.
            throw ConnectionError(code: .protocolError, reason: "PUSH_PROMISE")
        default:
            // Extension frames of unknown type are ignored (RFC 9113 §5.5).
            break
        }
    }

    private func countControlFrame() throws {
        guard self.controlFrames.take() else {
            throw ConnectionError(
                code: .enhanceYourCalm,
                reason: "more than \(self.controlFrames.limit) control frames in \(self.controlFrames.window)")
        }
    }

    /// Strips the padding of a PADDED frame; returns the bytes it took (the length octet too).
    private static func removePadding(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer) throws -> Int {
        guard header.flags & HTTP2Wire.Flag.padded != 0 else { return 0 }
        guard let padLength = payload.readInteger(as: UInt8.self), Int(padLength) <= payload.readableBytes else {
            throw ConnectionError(code: .protocolError, reason: "padding longer than the frame")
        }
        payload = payload.readSlice(length: payload.readableBytes - Int(padLength))!
        return Int(padLength) + 1
    }

    private func receiveData(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard header.streamID != .rootStream else { throw ConnectionError(code: .protocolError, reason: "DATA on stream 0") }
        guard header.streamID <= self.highestStreamID else {
            throw ConnectionError(code: .protocolError, reason: "DATA on idle stream \(header.streamID)")
        }
        let padding = try Self.removePadding(header, &payload)
        let endStream = header.flags & HTTP2Wire.Flag.endStream != 0
        let stream = self.streams[header.streamID]
        if let stream, stream.remoteClosed {
            self.abort(stream, .streamClosed, context)
        }
        if let stream, !stream.remoteClosed, endStream {
            stream.remoteClosed = true
        }
        // Forwarded for a stream that has ended too: the connection window is accounted downstream.
        context.fireChannelRead(
            self.wrapInboundOut(
                HTTP2Frame(
                    streamID: header.streamID,
                    payload: .data(.init(data: .byteBuffer(payload), endStream: endStream, paddingBytes: padding == 0 ? nil : padding)))))
        if let stream, endStream {
            self.endRequestAfterResponse(stream)
            self.closeIfDone(stream)
        }
    }

    private func receiveHeaders(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard header.streamID != .rootStream else { throw ConnectionError(code: .protocolError, reason: "HEADERS on stream 0") }
        _ = try Self.removePadding(header, &payload)
        if header.flags & HTTP2Wire.Flag.priority != 0 {
            guard payload.readableBytes >= 5 else { throw ConnectionError(code: .frameSizeError, reason: "HEADERS too short for its priority") }
            payload.moveReaderIndex(forwardBy: 5)
        }
        let endStream = header.flags & HTTP2Wire.Flag.endStream != 0
        if header.flags & HTTP2Wire.Flag.endHeaders != 0 {
            try self.completeHeaders(header.streamID, endStream: endStream, block: &payload, context)
        } else {
            var block = context.channel.allocator.buffer(capacity: payload.readableBytes * 2)
            block.writeBuffer(&payload)
            self.headerBlock = (header.streamID, endStream, block)
        }
    }

    private func completeHeaders(_ id: HTTP2StreamID, endStream: Bool, block: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        let headers: HPACKHeaders
        do {
            headers = try self.decoder.decodeHeaders(from: &block)
        } catch {
            throw ConnectionError(code: .compressionError, reason: "header block of stream \(id): \(error)")
        }
        if let stream = self.streams[id], stream.isOpen {
            // A server's are trailers, which must end the client's half of the stream; a
            // client's are the response's headers or trailers.
            guard !stream.remoteClosed, endStream || !self.isServer else {
                self.abort(stream, stream.remoteClosed ? .streamClosed : .protocolError, context)
                return
            }
            stream.remoteClosed = endStream
            context.fireChannelRead(self.wrapInboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: endStream)))))
            self.endRequestAfterResponse(stream)
            self.closeIfDone(stream)
            return
        }
        guard self.isServer else {
            // Headers of one of our streams that has ended; servers open none.
            guard id <= self.highestStreamID else { throw ConnectionError(code: .protocolError, reason: "stream \(id) opened by a server") }
            return
        }
        guard id > self.highestStreamID else {
            // A stream that has ended (its frames may cross our RST_STREAM).
            try self.countControlFrame()
            self.output.reset(id, .streamClosed)
            return
        }
        guard Int32(id) % 2 == 1 else { throw ConnectionError(code: .protocolError, reason: "stream \(id) opened by a client") }
        self.highestStreamID = id
        // Refusals are counted like control frames: each is a reply that costs the client nothing.
        if let last = self.goAwayLastStreamID, id > last {
            try self.countControlFrame()
            self.output.reset(id, .refusedStream)
            return
        }
        guard self.openStreamCount < self.limits.maxConcurrentStreams else {
            try self.countControlFrame()
            self.output.reset(id, .refusedStream)
            return
        }
        let stream = HTTP2Stream(id: id, sendWindow: self.peerInitialWindow, remoteClosed: endStream)
        self.streams[id] = stream
        self.open(stream)
        context.fireChannelRead(self.wrapInboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: endStream)))))
    }

    private func receiveContinuation(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard let pending = self.headerBlock else {
            throw ConnectionError(code: .protocolError, reason: "CONTINUATION without HEADERS")
        }
        guard pending.block.readableBytes + payload.readableBytes <= self.limits.maxHeaderListBytes else {
            throw ConnectionError(code: .enhanceYourCalm, reason: "header block longer than \(self.limits.maxHeaderListBytes) bytes")
        }
        // Counted like control frames: empty CONTINUATIONs would otherwise cost nothing to send.
        try self.countControlFrame()
        self.headerBlock!.block.writeBuffer(&payload)
        if header.flags & HTTP2Wire.Flag.endHeaders != 0 {
            var block = self.headerBlock!.block
            self.headerBlock = nil
            try self.completeHeaders(pending.streamID, endStream: pending.endStream, block: &block, context)
        }
    }

    private func receivePing(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer) throws {
        guard header.streamID == .rootStream else { throw ConnectionError(code: .protocolError, reason: "PING on a stream") }
        guard header.length == 8 else { throw ConnectionError(code: .frameSizeError, reason: "PING of \(header.length) bytes") }
        // An acknowledgement of the keepalive handler's ping needs nothing: any read is life.
        guard header.flags & HTTP2Wire.Flag.ack == 0 else { return }
        // grpc-go servers ping once per round trip while they receive DATA (BDP estimation):
        // on loopback that can pass any flood limit, so a client does not count them.
        if self.isServer { try self.countControlFrame() }
        if self.pings?.pingBreaksPolicy(openStreams: self.streams.count) == true {
            throw ConnectionError(code: .enhanceYourCalm, reason: "too_many_pings")
        }
        self.output.ping(payload.readInteger(as: UInt64.self)!, ack: true)
    }

    private func receiveGoAway(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard header.streamID == .rootStream else { throw ConnectionError(code: .protocolError, reason: "GOAWAY on a stream") }
        guard header.length >= 8 else { throw ConnectionError(code: .frameSizeError, reason: "GOAWAY of \(header.length) bytes") }
        // A server has nothing to do: the client opens no more streams, finishes, and closes.
        guard !self.isServer else { return }
        let last = HTTP2StreamID(Int32(bitPattern: payload.readInteger(as: UInt32.self)! & 0x7fff_ffff))
        let code = HTTP2ErrorCode(networkCode: Int(payload.readInteger(as: UInt32.self)!))
        // No stream opens after a GOAWAY, and those above its last stream will never be served:
        // they end here, silently (the call handler fails them as never processed, which lets
        // the client send them elsewhere).
        self.goAwayLastStreamID = min(last, self.goAwayLastStreamID ?? last)
        for stream in Array(self.streams.values) where stream.id > last { self.remove(stream) }
        self.waitingToOpen.removeAll()
        context.fireChannelRead(
            self.wrapInboundOut(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: last, errorCode: code, opaqueData: payload))))
    }

    private func receiveReset(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard header.streamID != .rootStream else { throw ConnectionError(code: .protocolError, reason: "RST_STREAM on stream 0") }
        guard header.length == 4 else { throw ConnectionError(code: .frameSizeError, reason: "RST_STREAM of \(header.length) bytes") }
        guard header.streamID <= self.highestStreamID else {
            throw ConnectionError(code: .protocolError, reason: "RST_STREAM on idle stream \(header.streamID)")
        }
        let code = HTTP2ErrorCode(networkCode: Int(payload.readInteger(as: UInt32.self)!))
        guard let stream = self.streams[header.streamID] else { return }
        self.remove(stream)
        context.fireChannelRead(self.wrapInboundOut(HTTP2Frame(streamID: header.streamID, payload: .rstStream(code))))
    }

    private func receiveSettings(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer) throws {
        guard header.streamID == .rootStream else { throw ConnectionError(code: .protocolError, reason: "SETTINGS on a stream") }
        if header.flags & HTTP2Wire.Flag.ack != 0 {
            guard header.length == 0 else { throw ConnectionError(code: .frameSizeError, reason: "SETTINGS acknowledgement with a payload") }
            return
        }
        try self.countControlFrame()
        guard header.length % 6 == 0 else { throw ConnectionError(code: .frameSizeError, reason: "SETTINGS of \(header.length) bytes") }
        if !self.peerSettingsReceived {
            // Until the server's first SETTINGS a client opens no stream: its limit is unknown.
            self.peerSettingsReceived = true
            self.peerMaxConcurrentStreams = Int(UInt32.max)
        }
        var windowGrew = false
        while let identifier = payload.readInteger(as: UInt16.self), let value = payload.readInteger(as: UInt32.self) {
            switch identifier {
            case HTTP2Wire.Setting.initialWindowSize:
                guard value <= UInt32(HTTP2Wire.largestWindow) else {
                    throw ConnectionError(code: .flowControlError, reason: "SETTINGS_INITIAL_WINDOW_SIZE of \(value)")
                }
                let delta = Int(value) - self.peerInitialWindow
                self.peerInitialWindow = Int(value)
                for stream in self.streams.values {
                    stream.sendWindow += delta
                    guard stream.sendWindow <= HTTP2Wire.largestWindow else {
                        throw ConnectionError(code: .flowControlError, reason: "stream window above 2^31-1")
                    }
                }
                windowGrew = windowGrew || delta > 0
            case HTTP2Wire.Setting.maxFrameSize:
                guard value >= HTTP2Wire.defaultMaxFrameSize && value <= HTTP2Wire.largestMaxFrameSize else {
                    throw ConnectionError(code: .protocolError, reason: "SETTINGS_MAX_FRAME_SIZE of \(value)")
                }
                self.peerMaxFrameSize = Int(value)
            case HTTP2Wire.Setting.maxConcurrentStreams:
                self.peerMaxConcurrentStreams = Int(value)
                self.openWaitingStreams()
            case HTTP2Wire.Setting.enablePush:
                // Only a client may enable push (RFC 9113 §6.5.2).
                guard value == 0 || (value == 1 && self.isServer) else {
                    throw ConnectionError(code: .protocolError, reason: "SETTINGS_ENABLE_PUSH of \(value)")
                }
            default:
                // The table size only bounds an encoder's dynamic table, and ours has none;
                // the header list size is the peer's to enforce.
                break
            }
        }
        self.output.settingsAcknowledgement()
        self.openWaitingStreams()
        if windowGrew {
            for stream in Array(self.streams.values) where !stream.pending.isEmpty { self.drain(stream) }
            if let context = self.context { self.closeWhenDrained(context) }
        }
    }

    private func receiveWindowUpdate(_ header: HTTP2Wire.FrameHeader, _ payload: inout ByteBuffer, _ context: ChannelHandlerContext) throws {
        guard header.length == 4 else { throw ConnectionError(code: .frameSizeError, reason: "WINDOW_UPDATE of \(header.length) bytes") }
        let increment = Int(payload.readInteger(as: UInt32.self)! & 0x7fff_ffff)
        guard header.streamID != .rootStream else {
            guard increment > 0 else { throw ConnectionError(code: .protocolError, reason: "WINDOW_UPDATE of 0 on the connection") }
            self.connectionSendWindow += increment
            guard self.connectionSendWindow <= HTTP2Wire.largestWindow else {
                throw ConnectionError(code: .flowControlError, reason: "connection window above 2^31-1")
            }
            let waiting = self.waitingForConnectionWindow
            self.waitingForConnectionWindow = []
            for stream in waiting {
                stream.waitsForConnectionWindow = false
                if self.streams[stream.id] === stream { self.drain(stream) }
            }
            self.closeWhenDrained(context)
            return
        }
        guard let stream = self.streams[header.streamID], stream.isOpen else { return }
        guard increment > 0 else {
            self.abort(stream, .protocolError, context)
            return
        }
        stream.sendWindow += increment
        guard stream.sendWindow <= HTTP2Wire.largestWindow else {
            self.abort(stream, .flowControlError, context)
            return
        }
        self.drain(stream)
        self.closeWhenDrained(context)
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !self.failed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let frame = self.unwrapOutboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            self.send(.headers(headers.headers, endStream: headers.endStream, promise), on: frame.streamID)
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else {
                promise?.fail(ChannelError.operationUnsupported)
                return
            }
            self.send(.data(bytes, endStream: data.endStream, promise), on: frame.streamID)
        case .rstStream(let code):
            self.send(.reset(code, promise), on: frame.streamID)
        case .windowUpdate(let increment):
            self.output.windowUpdate(frame.streamID, increment: increment)
            self.output.complete(promise)
        case .ping(let data, let ack):
            self.output.ping(data.integer, ack: ack)
            self.output.complete(promise)
        case .goAway(let lastStreamID, let code, let opaqueData):
            self.output.goAway(lastStreamID: lastStreamID, code: code, debugData: opaqueData)
            self.goAwayLastStreamID = min(lastStreamID, self.goAwayLastStreamID ?? lastStreamID)
            self.output.complete(promise)
        default:
            promise?.fail(ChannelError.operationUnsupported)
        }
    }

    func flush(context: ChannelHandlerContext) {
        self.output.flush(context)
    }

    /// A stream's frame goes out now when nothing of the stream waits ahead of it and, for DATA,
    /// the windows admit all of it in one frame; otherwise it waits its turn.
    private func send(_ write: HTTP2Stream.PendingWrite, on id: HTTP2StreamID) {
        var found = self.streams[id]
        if found == nil, !self.isServer, case .headers = write {
            found = self.startStream(id)
        }
        guard let stream = found, !stream.localClosed else {
            write.promise?.fail(StreamClosedError(streamID: id))
            return
        }
        guard stream.isOpen else {
            if case .reset(_, let promise) = write {
                // Never on the wire: nothing to tell the server.
                self.remove(stream)
                promise?.succeed(())
            } else {
                stream.pending.append(write)
            }
            return
        }
        if case .reset(let code, let promise) = write, code != .noError {
            // An abort need not wait for the request it aborts: what was held back is dropped.
            self.emitReset(code, promise, on: stream)
            return
        }
        if stream.pending.isEmpty {
            switch write {
            case .headers(let headers, let endStream, let promise):
                self.emitHeaders(headers, endStream: endStream, promise, on: stream)
                return
            case .reset(let code, let promise):
                self.emitReset(code, promise, on: stream)
                return
            case .data(let bytes, let endStream, let promise):
                let length = bytes.readableBytes
                if length == 0 || length <= min(stream.sendWindow, self.connectionSendWindow, self.peerMaxFrameSize) {
                    self.emitData(bytes, endStream: endStream, promise, on: stream)
                    return
                }
            }
        }
        stream.pending.append(write)
        self.drain(stream)
    }

    /// A client's new stream, opened on the wire at once unless the server's limit is reached.
    private func startStream(_ id: HTTP2StreamID) -> HTTP2Stream? {
        guard Int32(id) % 2 == 1, id > self.lastStartedStreamID, self.goAwayLastStreamID == nil else { return nil }
        self.lastStartedStreamID = id
        let stream = HTTP2Stream(id: id, sendWindow: self.peerInitialWindow, remoteClosed: false)
        self.streams[id] = stream
        if self.waitingToOpen.isEmpty && self.openStreamCount < self.peerMaxConcurrentStreams {
            self.open(stream)
        } else {
            self.waitingToOpen.append(stream)
        }
        return stream
    }

    private func open(_ stream: HTTP2Stream) {
        precondition(!stream.isOpen && stream.id >= self.highestStreamID, "streams open once, in order")
        stream.isOpen = true
        self.openStreamCount += 1
        self.highestStreamID = stream.id
    }

    private func openWaitingStreams() {
        while self.openStreamCount < self.peerMaxConcurrentStreams, self.goAwayLastStreamID == nil,
            let next = self.waitingToOpen.popFirst()
        {
            guard self.streams[next.id] === next else { continue }
            self.open(next)
            self.drain(next)
        }
    }

    /// Sends what the windows admit of a stream's waiting writes, in order.
    private func drain(_ stream: HTTP2Stream) {
        guard stream.isOpen else { return }
        while let next = stream.pending.first {
            switch next {
            case .headers(let headers, let endStream, let promise):
                stream.pending.removeFirst()
                self.emitHeaders(headers, endStream: endStream, promise, on: stream)
            case .reset(let code, let promise):
                stream.pending.removeFirst()
                self.emitReset(code, promise, on: stream)
                return
            case .data(var bytes, let endStream, let promise):
                let length = bytes.readableBytes
                let room = min(stream.sendWindow, self.connectionSendWindow)
                if length > 0 && room <= 0 {
                    if self.connectionSendWindow <= 0 && !stream.waitsForConnectionWindow {
                        stream.waitsForConnectionWindow = true
                        self.waitingForConnectionWindow.append(stream)
                    }
                    return
                }
                let chunk = length == 0 ? 0 : min(length, room, self.peerMaxFrameSize)
                if chunk == length {
                    stream.pending.removeFirst()
                    self.emitData(bytes, endStream: endStream, promise, on: stream)
                } else {
                    let part = bytes.readSlice(length: chunk)!
                    stream.pending[stream.pending.startIndex] = .data(bytes, endStream: endStream, promise)
                    self.emitData(part, endStream: false, nil, on: stream)
                }
            }
            if self.streams[stream.id] !== stream { return }
        }
    }

    private func emitData(_ bytes: ByteBuffer, endStream: Bool, _ promise: EventLoopPromise<Void>?, on stream: HTTP2Stream) {
        let length = bytes.readableBytes
        precondition(length <= min(stream.sendWindow, self.connectionSendWindow, self.peerMaxFrameSize) || length == 0)
        stream.sendWindow -= length
        self.connectionSendWindow -= length
        self.pings?.respondedSincePing = true
        self.output.data(bytes, endStream: endStream, streamID: stream.id, self.context)
        self.output.complete(promise)
        if endStream { self.endLocally(stream) }
    }

    private func emitHeaders(_ headers: HPACKHeaders, endStream: Bool, _ promise: EventLoopPromise<Void>?, on stream: HTTP2Stream) {
        self.pings?.respondedSincePing = true
        self.output.headers(headers, endStream: endStream, streamID: stream.id, maxFrameSize: self.peerMaxFrameSize)
        self.output.complete(promise)
        if endStream { self.endLocally(stream) }
    }

    private func emitReset(_ code: HTTP2ErrorCode, _ promise: EventLoopPromise<Void>?, on stream: HTTP2Stream) {
        self.output.reset(stream.id, code)
        self.output.complete(promise)
        self.remove(stream)
    }

    // MARK: - Stream ends

    /// A response that ended before its request did: a client stops sending with
    /// RST_STREAM(NO_ERROR) rather than count on the server's reset to free the stream.
    private func endRequestAfterResponse(_ stream: HTTP2Stream) {
        guard !self.isServer, stream.remoteClosed, !stream.localClosed, self.streams[stream.id] === stream else { return }
        self.emitReset(.noError, nil, on: stream)
    }

    /// We sent END_STREAM.
    private func endLocally(_ stream: HTTP2Stream) {
        stream.localClosed = true
        self.closeIfDone(stream)
    }

    private func closeIfDone(_ stream: HTTP2Stream) {
        if stream.isClosed { self.remove(stream) }
    }

    /// Forgets a stream that has ended: writes it still held fail, and on a client the next
    /// stream waiting for the server's limit opens.
    private func remove(_ stream: HTTP2Stream) {
        guard self.streams[stream.id] === stream else { return }
        self.streams.removeValue(forKey: stream.id)
        self.abandon(stream)
        if stream.isOpen {
            self.openStreamCount -= 1
            self.openWaitingStreams()
        }
        if self.closeWaiting != nil, let context = self.context { self.closeWhenDrained(context) }
    }

    /// Ends a stream the client misused: RST_STREAM to the client, a reset frame to the call.
    private func abort(_ stream: HTTP2Stream, _ code: HTTP2ErrorCode, _ context: ChannelHandlerContext) {
        self.output.reset(stream.id, code)
        guard self.streams[stream.id] === stream else { return }
        self.remove(stream)
        context.fireChannelRead(self.wrapInboundOut(HTTP2Frame(streamID: stream.id, payload: .rstStream(code))))
    }

    /// Fails the writes a stream that ended still held.
    private func abandon(_ stream: HTTP2Stream) {
        let error = StreamClosedError(streamID: stream.id)
        while let write = stream.pending.popFirst() { write.promise?.fail(error) }
    }

    private func abandonAll() {
        let streams = self.streams
        self.streams = [:]
        self.openStreamCount = 0
        self.waitingToOpen.removeAll()
        self.waitingForConnectionWindow = []
        for stream in streams.values { self.abandon(stream) }
        self.output.failPromises()
    }

    /// GOAWAY with the error, then close: what RFC 9113 §5.4.1 asks of a connection error.
    private func fail(_ context: ChannelHandlerContext, _ error: ConnectionError) {
        guard !self.failed else { return }
        // A client names no stream of the server's: it opens none.
        self.output.goAway(
            lastStreamID: self.isServer ? self.highestStreamID : .rootStream, code: error.code,
            debugData: ByteBuffer(string: error.reason))
        self.failed = true
        self.output.flush(context)
        context.close(promise: nil)
    }
}
