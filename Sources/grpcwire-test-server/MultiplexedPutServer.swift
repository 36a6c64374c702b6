import EtcdAPI
import GRPCWire
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// Benchmark only (`--multiplexer`): the test server's KV.Put behind swift-nio-http2's stream
/// multiplexer, a child channel per stream (`NIOHTTP2Handler.StreamMultiplexer`), instead of
/// GRPCWire's handling of frames by stream ID, so that `Benchmarks/grpcwire-unary.sh` measures
/// what the multiplexer costs per call (docs/grpcwire.md, "Why no stream multiplexer").
///
/// Same ``MemoryKV``, same HTTP/2 settings, responses flushed once per read batch as GRPCWire
/// does. It serves unary Put only, without deadlines, TLS, HTTP/1.1 or other methods: what it
/// leaves out would only add to its cost.
enum MultiplexedPutServer {
    static func start(host: String, port: Int, kv: MemoryKV, group: any EventLoopGroup) async throws -> any Channel {
        let limits = GRPCLimits()
        // GRPCWire's own settings, so the two servers differ only in the multiplexer.
        let connection = limits.http2Connection
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = limits.streamWindowBytes
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: connection, streamConfiguration: stream
                    ) { streamChannel in
                        streamChannel.eventLoop.makeCompletedFuture {
                            try streamChannel.pipeline.syncOperations.addHandler(MultiplexedPutHandler(kv: kv))
                        }
                    }
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// One stream's unary Put on its child channel: the request body gathered, the answer written
/// as HEADERS, DATA and trailers, flushed at the end of the read batch.
final class MultiplexedPutHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let kv: MemoryKV
    private var path = ""
    private var body = ByteBuffer()
    private var needsFlush = false

    init(kv: MemoryKV) {
        self.kv = kv
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            self.path = headers.headers.first(name: ":path") ?? ""
            if headers.endStream { self.respond(context) }
        case .data(let data):
            if case .byteBuffer(var bytes) = data.data { self.body.writeBuffer(&bytes) }
            if data.endStream { self.respond(context) }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func respond(_ context: ChannelHandlerContext) {
        self.needsFlush = true
        guard self.path == "/etcdserverpb.KV/Put", self.body.readableBytes >= 5,
            let length = self.body.getInteger(at: self.body.readerIndex + 1, as: UInt32.self),
            self.body.readableBytes == 5 + Int(length),
            let request = try? Etcdserverpb_PutRequest(serializedBytes: Array(self.body.readableBytesView.dropFirst(5))),
            let response: [UInt8] = try? self.kv.put(request).serializedBytes()
        else {
            context.write(self.wrapOutboundOut(.headers(.init(headers: Self.failed, endStream: true))), promise: nil)
            return
        }
        var framed = context.channel.allocator.buffer(capacity: 5 + response.count)
        framed.writeInteger(UInt8(0))
        framed.writeInteger(UInt32(response.count))
        framed.writeBytes(response)
        context.write(self.wrapOutboundOut(.headers(.init(headers: Self.responseHeaders))), promise: nil)
        context.write(self.wrapOutboundOut(.data(.init(data: .byteBuffer(framed)))), promise: nil)
        context.write(self.wrapOutboundOut(.headers(.init(headers: Self.trailers, endStream: true))), promise: nil)
    }

    static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    static let trailers: HPACKHeaders = ["grpc-status": "0"]
    static let failed: HPACKHeaders = [
        ":status": "200", "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "only KV.Put is served",
    ]
}
