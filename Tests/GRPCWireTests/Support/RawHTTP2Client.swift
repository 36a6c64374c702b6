import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix

/// An HTTP/2 client that sends exactly the frames a test writes and records every frame it
/// receives. NIOHTTP2Handler answers PINGs and SETTINGS by itself; nothing else happens
/// unasked: no WINDOW_UPDATE, so a test controls how much the server may send.
final class RawHTTP2Client: Sendable {
    let channel: any Channel
    private let received: NIOLockedValueBox<[HTTP2Frame]>

    private init(channel: any Channel, received: NIOLockedValueBox<[HTTP2Frame]>) {
        self.channel = channel
        self.received = received
    }

    /// Connects to 127.0.0.1:`port` with `settings` as the client's initial SETTINGS.
    static func connect(port: Int, group: any EventLoopGroup, settings: HTTP2Settings = nioDefaultSettings)
        async throws -> RawHTTP2Client
    {
        let received = NIOLockedValueBox<[HTTP2Frame]>([])
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = settings
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTP2Handler(mode: .client, connectionConfiguration: configuration))
                    try channel.pipeline.syncOperations.addHandler(FrameRecorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawHTTP2Client(channel: channel, received: received)
    }

    func write(_ frames: HTTP2Frame...) async throws {
        for frame in frames { try await self.channel.writeAndFlush(frame) }
    }

    /// Every frame received so far, in order.
    var frames: [HTTP2Frame] { self.received.withLockedValue { $0 } }

    /// Waits until `condition` holds for the frames received, or `timeout` passes.
    func waitUntil(timeout: Duration = .seconds(10), _ condition: ([HTTP2Frame]) -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if condition(self.frames) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(self.frames)
    }

    func close() async {
        try? await self.channel.close()
    }

    /// The request HEADERS of a gRPC call to `path`.
    static func requestHeaders(_ path: String) -> HTTP2Frame.FramePayload {
        .headers(
            .init(headers: [
                ":method": "POST", ":scheme": "http", ":path": path, ":authority": "localhost",
                "content-type": "application/grpc", "te": "trailers",
            ]))
    }

    /// The bytes of every DATA frame received on `stream`, concatenated.
    func body(of stream: HTTP2StreamID) -> ByteBuffer {
        var body = ByteBuffer()
        for frame in self.frames where frame.streamID == stream {
            if case .data(let data) = frame.payload, case .byteBuffer(var bytes) = data.data {
                body.writeBuffer(&bytes)
            }
        }
        return body
    }
}

/// Appends every inbound frame to a shared list.
private final class FrameRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame
    let received: NIOLockedValueBox<[HTTP2Frame]>

    init(received: NIOLockedValueBox<[HTTP2Frame]>) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        self.received.withLockedValue { $0.append(frame) }
    }
}

/// Splits gRPC's length-prefixed messages (5-byte prefix) out of a response body.
func grpcMessages(in body: ByteBuffer) -> [ByteBuffer] {
    var body = body
    var messages: [ByteBuffer] = []
    while let flag = body.getInteger(at: body.readerIndex, as: UInt8.self), flag == 0,
        let length = body.getInteger(at: body.readerIndex + 1, as: UInt32.self),
        body.readableBytes >= 5 + Int(length)
    {
        body.moveReaderIndex(forwardBy: 5)
        messages.append(body.readSlice(length: Int(length))!)
    }
    return messages
}
