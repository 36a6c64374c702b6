import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GRPCWire

/// The server's HTTP/2 handler on EmbeddedChannels: against swift-nio-http2's client handler,
/// which checks every frame it is sent (flow control, HPACK, framing, stream states), and on raw
/// bytes for what a conforming client never sends.
@Suite("GRPCHTTP2Handler")
struct GRPCHTTP2HandlerTests {
    static let requestHeaders: HPACKHeaders = [
        ":method": "POST", ":path": "/etcdserverpb.KV/Range", ":scheme": "http", ":authority": "x",
        "content-type": "application/grpc", "te": "trailers",
    ]

    /// Answers each request once the client has ended its half: HEADERS, one DATA frame with
    /// `body`, trailers.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame
        typealias OutboundOut = HTTP2Frame

        var responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
        var body = ByteBuffer()
        var answer = true
        /// Answer as soon as the request's headers are in, before the client ends its half.
        var answerOnHeaders = false
        /// Close the connection right after the answer, as a draining connection handler does
        /// when its last call ends.
        var closeAfterAnswer = false
        private(set) var requests: [HTTP2StreamID: HPACKHeaders] = [:]
        private(set) var resets: [HTTP2StreamID: HTTP2ErrorCode] = [:]

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = self.unwrapInboundIn(data)
            switch frame.payload {
            case .headers(let headers):
                self.requests[frame.streamID] = headers.headers
                if headers.endStream || self.answerOnHeaders { self.respond(frame.streamID, context) }
            case .data(let data):
                if data.endStream { self.respond(frame.streamID, context) }
            case .rstStream(let code):
                self.resets[frame.streamID] = code
            default:
                break
            }
        }

        private func respond(_ stream: HTTP2StreamID, _ context: ChannelHandlerContext) {
            guard self.answer else { return }
            context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: self.responseHeaders)))), promise: nil)
            context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(self.body))))), promise: nil)
            context.write(
                self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: ["grpc-status": "0"], endStream: true)))),
                promise: nil)
            context.flush()
            if self.closeAfterAnswer { context.close(promise: nil) }
        }
    }

    /// Records what the client receives and gives back the window of every DATA frame at once.
    final class ClientRecorder: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame
        typealias OutboundOut = HTTP2Frame

        private(set) var frames: [HTTP2Frame] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = self.unwrapInboundIn(data)
            self.frames.append(frame)
            if case .data(let data) = frame.payload, data.data.readableBytes > 0 {
                let length = data.data.readableBytes
                context.write(self.wrapOutboundOut(HTTP2Frame(streamID: frame.streamID, payload: .windowUpdate(windowSizeIncrement: length))), promise: nil)
                context.write(self.wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: length))), promise: nil)
                context.flush()
            }
        }

        func body(of stream: HTTP2StreamID) -> ByteBuffer {
            var body = ByteBuffer()
            for frame in self.frames where frame.streamID == stream {
                if case .data(let data) = frame.payload, case .byteBuffer(var bytes) = data.data { body.writeBuffer(&bytes) }
            }
            return body
        }
    }

    struct Connection {
        let client: EmbeddedChannel
        let server: EmbeddedChannel
        let recorder: ClientRecorder
        let responder: Responder

        /// swift-nio-http2's client with `clientSettings`, or with `ownClient` ours.
        init(clientSettings: HTTP2Settings = nioDefaultSettings, ownClient: Bool = false, limits: GRPCLimits = GRPCLimits()) throws {
            self.recorder = ClientRecorder()
            self.responder = Responder()
            // Handlers are added to connected channels, as the protocol sniffer adds the server's.
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
            self.client = EmbeddedChannel()
            try self.client.connect(to: address).wait()
            try self.client.pipeline.syncOperations.addHandler(
                ownClient
                    ? GRPCHTTP2Handler(role: .client, limits: GRPCLimits())
                    : NIOHTTP2Handler(mode: .client, initialSettings: clientSettings))
            try self.client.pipeline.syncOperations.addHandler(self.recorder)
            self.server = EmbeddedChannel()
            try self.server.connect(to: address).wait()
            try self.server.pipeline.syncOperations.addHandler(GRPCHTTP2Handler(role: .server(GRPCKeepalive()), limits: limits))
            try self.server.pipeline.syncOperations.addHandler(self.responder)
            try self.pump()
        }

        /// Moves bytes both ways until neither side has anything more to say.
        func pump() throws {
            var moved = true
            while moved {
                moved = false
                while let bytes = try self.clientBytes() {
                    try self.server.writeInbound(bytes)
                    moved = true
                }
                while let bytes = try self.server.readOutbound(as: ByteBuffer.self) {
                    try self.client.writeInbound(bytes)
                    moved = true
                }
            }
        }

        /// What the client wrote: swift-nio-http2's handler writes IOData, ours ByteBuffers.
        private func clientBytes() throws -> ByteBuffer? {
            if let bytes = try? self.client.readOutbound(as: ByteBuffer.self) { return bytes }
            guard let data = try self.client.readOutbound(as: IOData.self) else { return nil }
            guard case .byteBuffer(let bytes) = data else { throw ChannelError.operationUnsupported }
            return bytes
        }

        func request(_ stream: HTTP2StreamID, headers: HPACKHeaders = GRPCHTTP2HandlerTests.requestHeaders) throws {
            self.client.write(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: headers, endStream: true))), promise: nil)
            self.client.flush()
            try self.pump()
        }
    }

    @Test("a response larger than the client's windows arrives whole and in order, trailers last, as the client opens them")
    func responseHeldByFlowControl() throws {
        let connection = try Connection(clientSettings: [
            HTTP2Setting(parameter: .initialWindowSize, value: 1000), HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
        ])
        let body = ByteBuffer(bytes: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        connection.responder.body = body
        for stream in [HTTP2StreamID(1), 3, 5] {
            try connection.request(stream)
        }
        for stream in [HTTP2StreamID(1), 3, 5] {
            let frames = connection.recorder.frames.filter { $0.streamID == stream }
            #expect(connection.recorder.body(of: stream) == body, "stream \(stream)")
            guard case .headers(let first) = frames.first?.payload, case .headers(let last) = frames.last?.payload else {
                Issue.record("stream \(stream): \(frames.map(\.payload))")
                continue
            }
            #expect(first.headers.first(name: ":status") == "200" && !first.endStream)
            #expect(last.headers.first(name: "grpc-status") == "0" && last.endStream)
            // No frame larger than the client's first window: the server waited for each update.
            #expect(frames.allSatisfy { if case .data(let data) = $0.payload { data.data.readableBytes <= 1000 } else { true } })
        }
        #expect(!connection.recorder.frames.contains { if case .goAway = $0.payload { true } else { false } })
    }

    @Test("a close waits until the frames flow control held back have gone out, trailers included")
    func closeAfterHeldFrames() throws {
        let connection = try Connection(clientSettings: [HTTP2Setting(parameter: .initialWindowSize, value: 1000)])
        let body = ByteBuffer(repeating: 9, count: 5000)
        connection.responder.body = body
        connection.responder.closeAfterAnswer = true
        try connection.request(1)
        #expect(connection.recorder.body(of: 1) == body)
        guard case .headers(let trailers) = connection.recorder.frames.last(where: { $0.streamID == 1 })?.payload else {
            Issue.record("no trailers")
            return
        }
        #expect(trailers.endStream && trailers.headers.first(name: "grpc-status") == "0")
        #expect(!connection.server.isActive)
    }

    /// Random-looking text does not shrink under Huffman coding: 40 KB of it exceeds a frame.
    static let longValue = String((0..<40_000).map { Character(Unicode.Scalar(UInt8(33 + ($0 &* 31) % 90))) })

    @Test("response headers longer than a frame go out as HEADERS and CONTINUATION frames")
    func continuationOut() throws {
        let connection = try Connection(clientSettings: [HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 20)])
        connection.responder.responseHeaders.add(name: "x-long-reply", value: Self.longValue)
        connection.responder.body = ByteBuffer(string: "ok")
        try connection.request(1)
        guard case .headers(let response) = connection.recorder.frames.first(where: { $0.streamID == 1 })?.payload else {
            Issue.record("no response headers")
            return
        }
        // Counts and equality, not the 40 KB strings, in the expectations' messages.
        let reply = response.headers.first(name: "x-long-reply")
        #expect(reply?.count == Self.longValue.count && reply == Self.longValue)
        #expect(connection.recorder.body(of: 1) == ByteBuffer(string: "ok"))
    }

    @Test("a request header block in HEADERS and CONTINUATION frames is put together before it is decoded")
    func continuationIn() throws {
        let raw = try RawConnection()
        var headers = Self.requestHeaders
        headers.add(name: "x-long", value: Self.longValue)
        let block = Self.encode(headers)
        let third = block.count / 3
        try raw.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endStream, stream: 1, Array(block[..<third]))
        try raw.send(HTTP2Wire.FrameType.continuation, stream: 1, Array(block[third..<(2 * third)]))
        #expect(raw.responder.requests.isEmpty)
        try raw.send(HTTP2Wire.FrameType.continuation, flags: HTTP2Wire.Flag.endHeaders, stream: 1, Array(block[(2 * third)...]))
        let received = raw.responder.requests[1]?.first(name: "x-long")
        #expect(received?.count == Self.longValue.count && received == Self.longValue)
        #expect(raw.server.isActive)
    }

    @Test("our client opens no more streams than the server allows, and the next as one ends; a response reaches it whole")
    func clientStreamLimit() throws {
        var limits = GRPCLimits()
        limits.maxConcurrentStreams = 2
        let connection = try Connection(ownClient: true, limits: limits)
        connection.responder.answer = false
        for stream in [HTTP2StreamID(1), 3, 5, 7] {
            connection.client.write(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.requestHeaders))), promise: nil)
        }
        // Stream 7 is cancelled before it opens: the server never hears of it.
        connection.client.write(HTTP2Frame(streamID: 7, payload: .rstStream(.cancel)), promise: nil)
        connection.client.flush()
        try connection.pump()
        #expect(Set(connection.responder.requests.keys) == [1, 3])
        connection.client.write(HTTP2Frame(streamID: 1, payload: .rstStream(.cancel)), promise: nil)
        connection.client.flush()
        try connection.pump()
        #expect(Set(connection.responder.requests.keys) == [1, 3, 5])
        #expect(connection.responder.resets == [1: .cancel])
        #expect(!connection.recorder.frames.contains { if case .rstStream = $0.payload { true } else { false } })
        // The server answers stream 9 once the client ends it: the client reads all of it.
        connection.responder.answer = true
        connection.responder.body = ByteBuffer(repeating: 3, count: 100_000)
        connection.client.write(HTTP2Frame(streamID: 3, payload: .rstStream(.cancel)), promise: nil)
        try connection.request(9)
        #expect(connection.recorder.body(of: 9) == connection.responder.body)
    }

    @Test("after the server's GOAWAY our client opens no stream: those waiting or above its last stream end unsent")
    func clientAfterGoAway() throws {
        var limits = GRPCLimits()
        limits.maxConcurrentStreams = 1
        let connection = try Connection(ownClient: true, limits: limits)
        connection.responder.answer = false
        for stream in [HTTP2StreamID(1), 3] {
            connection.client.write(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.requestHeaders))), promise: nil)
        }
        connection.client.flush()
        try connection.pump()
        connection.server.writeAndFlush(
            HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: 1, errorCode: .noError, opaqueData: nil)), promise: nil)
        try connection.pump()
        #expect(connection.recorder.frames.contains { if case .goAway(1, .noError, _) = $0.payload { true } else { false } })
        // Stream 1 ends: the slot it frees must not go to stream 3, nor to a new stream.
        connection.client.write(HTTP2Frame(streamID: 1, payload: .rstStream(.cancel)), promise: nil)
        let refused = connection.client.eventLoop.makePromise(of: Void.self)
        connection.client.write(HTTP2Frame(streamID: 5, payload: .headers(.init(headers: Self.requestHeaders, endStream: true))), promise: refused)
        connection.client.flush()
        try connection.pump()
        #expect(Set(connection.responder.requests.keys) == [1])
        #expect(throws: GRPCHTTP2Handler.StreamClosedError.self) { try refused.futureResult.wait() }
    }

    @Test("a response that ends before the request does makes our client reset its half with NO_ERROR")
    func clientEndsRequestAfterResponse() throws {
        let connection = try Connection(ownClient: true)
        connection.responder.answerOnHeaders = true
        connection.responder.body = ByteBuffer(string: "early")
        connection.client.writeAndFlush(HTTP2Frame(streamID: 1, payload: .headers(.init(headers: Self.requestHeaders))), promise: nil)
        try connection.pump()
        #expect(connection.recorder.body(of: 1) == ByteBuffer(string: "early"))
        #expect(connection.responder.resets == [1: .noError])
    }

    @Test("streams beyond SETTINGS_MAX_CONCURRENT_STREAMS are refused with REFUSED_STREAM, and a freed slot is reused")
    func concurrentStreamLimit() throws {
        var limits = GRPCLimits()
        limits.maxConcurrentStreams = 2
        let raw = try RawConnection(limits: limits)
        raw.responder.answer = false
        let block = Self.encode(Self.requestHeaders)
        for stream: Int32 in [1, 3, 5] {
            try raw.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders, stream: stream, block)
        }
        #expect(raw.resets() == [5: .refusedStream])
        #expect(Set(raw.responder.requests.keys) == [1, 3])
        // The client cancels stream 1; stream 7 takes its place.
        try raw.send(HTTP2Wire.FrameType.rstStream, stream: 1, [0, 0, 0, 8])
        #expect(raw.responder.resets[1] == .cancel)
        try raw.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders, stream: 7, block)
        #expect(Set(raw.responder.requests.keys) == [1, 3, 7])
        #expect(raw.resets().isEmpty)
    }

    @Test("a client that breaks the protocol gets GOAWAY naming the error and the connection closes")
    func protocolErrors() throws {
        let block = Self.encode(Self.requestHeaders)
        let cases: [(String, HTTP2ErrorCode, (RawConnection) throws -> Void)] = [
            ("DATA on stream 0", .protocolError, { try $0.send(HTTP2Wire.FrameType.data, stream: 0, [1, 2, 3]) }),
            ("a frame over 16 KiB", .frameSizeError, {
                try $0.send(HTTP2Wire.FrameType.data, stream: 1, [UInt8](repeating: 0, count: HTTP2Wire.defaultMaxFrameSize + 1))
            }),
            ("a stream opened with an even ID", .protocolError, {
                try $0.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders, stream: 2, block)
            }),
            ("a header block that is not HPACK", .compressionError, {
                try $0.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders, stream: 1, [0xff, 0xff, 0xff, 0xff, 0xff])
            }),
            ("HEADERS interrupted before its CONTINUATION", .protocolError, {
                try $0.send(HTTP2Wire.FrameType.headers, stream: 1, Array(block.prefix(3)))
                try $0.send(HTTP2Wire.FrameType.ping, stream: 0, [UInt8](repeating: 0, count: 8))
            }),
            ("WINDOW_UPDATE of 0 on the connection", .protocolError, { try $0.send(HTTP2Wire.FrameType.windowUpdate, stream: 0, [0, 0, 0, 0]) }),
            ("padding longer than the frame", .protocolError, {
                try $0.send(HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders | HTTP2Wire.Flag.padded, stream: 1, [200] + block)
            }),
        ]
        for (name, code, breakIt) in cases {
            let raw = try RawConnection()
            try breakIt(raw)
            let goAway = raw.frames().first { $0.header.type == HTTP2Wire.FrameType.goAway }
            var payload = goAway?.payload ?? ByteBuffer()
            _ = payload.readInteger(as: UInt32.self)
            #expect(payload.readInteger(as: UInt32.self).map { Int($0) } == code.networkCode, "\(name)")
            #expect(!raw.server.isActive, "\(name): still open")
        }
    }

    @Test("a connection that does not open with the HTTP/2 preface gets GOAWAY(PROTOCOL_ERROR)")
    func badPreface() throws {
        let raw = try RawConnection(preface: Array("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".utf8))
        let goAway = raw.frames().first { $0.header.type == HTTP2Wire.FrameType.goAway }
        #expect(goAway != nil)
        #expect(!raw.server.isActive)
    }

    @Test("the literal HPACK encoder's blocks decode to the same header list")
    func literalEncoding() throws {
        var headers: HPACKHeaders = [":status": "200", "content-type": "application/grpc", "grpc-status": "0"]
        headers.add(name: ":status", value: "404")
        headers.add(name: "content-length", value: "12345")
        headers.add(name: "grpc-message", value: String(repeating: "m", count: 300))
        headers.add(name: "x-token", value: "secret", indexing: .neverIndexed)
        headers.add(name: String(repeating: "n", count: 130), value: "")
        var block = ByteBuffer()
        HPACKLiteralEncoder.encode(headers, into: &block)
        var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
        let decoded = try decoder.decodeHeaders(from: &block)
        #expect(decoded.map { "\($0.name)=\($0.value)" } == headers.map { "\($0.name)=\($0.value)" })
        #expect(decoded.first { $0.name == "x-token" }?.indexable == .neverIndexed)
        #expect(block.readableBytes == 0)
    }

    static func encode(_ headers: HPACKHeaders) -> [UInt8] {
        var block = ByteBuffer()
        HPACKLiteralEncoder.encode(headers, into: &block)
        return Array(block.readableBytesView)
    }

    /// The server handler fed raw bytes: frames a conforming client would never send.
    struct RawConnection {
        let server: EmbeddedChannel
        let responder = Responder()

        init(limits: GRPCLimits = GRPCLimits(), preface: [UInt8] = HTTP2Wire.clientPreface) throws {
            self.server = EmbeddedChannel()
            try self.server.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try self.server.pipeline.syncOperations.addHandler(GRPCHTTP2Handler(role: .server(GRPCKeepalive()), limits: limits))
            try self.server.pipeline.syncOperations.addHandler(self.responder)
            try self.server.writeInbound(ByteBuffer(bytes: preface))
        }

        func send(_ type: UInt8, flags: UInt8 = 0, stream: Int32, _ payload: [UInt8]) throws {
            var bytes = ByteBuffer()
            HTTP2Wire.FrameHeader(length: payload.count, type: type, flags: flags, streamID: HTTP2StreamID(stream)).write(into: &bytes)
            bytes.writeBytes(payload)
            try self.server.writeInbound(bytes)
            self.server.pipeline.fireChannelReadComplete()
        }

        /// Every frame the server wrote since the last call.
        func frames() -> [(header: HTTP2Wire.FrameHeader, payload: ByteBuffer)] {
            var all = ByteBuffer()
            while var bytes = try? self.server.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&bytes) }
            var frames: [(HTTP2Wire.FrameHeader, ByteBuffer)] = []
            while let header = HTTP2Wire.FrameHeader.peek(all), all.readableBytes >= HTTP2Wire.frameHeaderBytes + header.length {
                all.moveReaderIndex(forwardBy: HTTP2Wire.frameHeaderBytes)
                frames.append((header, all.readSlice(length: header.length)!))
            }
            return frames
        }

        /// The RST_STREAM frames the server sent since the last read, by stream.
        func resets() -> [Int: HTTP2ErrorCode] {
            var resets: [Int: HTTP2ErrorCode] = [:]
            for (header, payload) in self.frames() where header.type == HTTP2Wire.FrameType.rstStream {
                resets[Int(header.streamID)] = HTTP2ErrorCode(networkCode: Int(payload.getInteger(at: payload.readerIndex, as: UInt32.self)!))
            }
            return resets
        }
    }
}
