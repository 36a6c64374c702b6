import EtcdAPI
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import Testing

@testable import GRPCWire

/// Server keepalive with short intervals: idle connections are pinged and stay open while the
/// client answers; a silent one is closed; a client that pings too often is sent away.
@Suite("Server keepalive")
struct KeepaliveTests {
    static func startServer(_ keepalive: GRPCKeepalive, group: any EventLoopGroup) async throws -> GRPCServer {
        var limits = GRPCLimits()
        limits.shutdownGracePeriod = .milliseconds(200)
        return try await GRPCServer.start(
            .init(host: "127.0.0.1", port: 0, methods: [TestMethods.echo], limits: limits, keepalive: keepalive), group: group)
    }

    static func isPing(_ frame: HTTP2Frame) -> Bool {
        if case .ping(_, ack: false) = frame.payload { return true }
        return false
    }

    @Test("the server pings a client that never answers and closes the connection after the timeout")
    func unansweredPing() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await Self.startServer(
            GRPCKeepalive(interval: .milliseconds(200), timeout: .milliseconds(300)), group: group)
        let received = NIOLockedValueBox(ByteBuffer())
        // Plain TCP: the HTTP/2 preface and an empty SETTINGS frame, then silence.
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteRecorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        let started = ContinuousClock.now
        var preface = ByteBuffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        preface.writeBytes([0, 0, 0, 0x4, 0, 0, 0, 0, 0])
        try await channel.writeAndFlush(preface)
        let closedIn = try await withThrowingTaskGroup(of: Duration?.self) { tasks in
            tasks.addTask {
                try await channel.closeFuture.get()
                return ContinuousClock.now - started
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { tasks.cancelAll() }
            return try await tasks.next()!
        }
        let elapsed = try #require(closedIn, "the server kept a silent connection open for 10 s")
        #expect(elapsed >= .milliseconds(450), "closed after \(elapsed), before interval + timeout")
        // Frames: 9-byte headers (length, type, flags, stream); a PING is type 6 without ACK.
        var bytes = received.withLockedValue { $0 }
        var pings = 0
        while bytes.readableBytes >= 9, let length = bytes.getInteger(at: bytes.readerIndex, as: UInt32.self) {
            let payload = Int(length >> 8)
            let type = bytes.getInteger(at: bytes.readerIndex + 3, as: UInt8.self)!
            let flags = bytes.getInteger(at: bytes.readerIndex + 4, as: UInt8.self)!
            if type == 6 && flags & 1 == 0 { pings += 1 }
            guard bytes.readableBytes >= 9 + payload else { break }
            bytes.moveReaderIndex(forwardBy: 9 + payload)
        }
        #expect(pings == 1)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("an idle connection that answers the server's pings stays open across many intervals, and an idle stream on it still works")
    func idleHealthyConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await Self.startServer(
            GRPCKeepalive(interval: .milliseconds(100), timeout: .milliseconds(200)), group: group)
        let raw = try await RawHTTP2Client.connect(port: server.port, group: group)
        let client = try GRPCClient(.init(endpoints: ["127.0.0.1:\(server.port)"]), group: group)
        let stream = try await client.stream(
            "/test.Echo/Echo", requestType: Etcdserverpb_RangeRequest.self, responseType: Etcdserverpb_RangeResponse.self)
        try await Task.sleep(for: .seconds(1.2))
        #expect(raw.channel.isActive)
        let pings = raw.frames.filter(Self.isPing).count
        #expect(pings >= 4, "\(pings) pings in 1.2 s at a 100 ms interval")
        var request = Etcdserverpb_RangeRequest()
        request.limit = 42
        try stream.send(request)
        var responses = stream.responses.makeAsyncIterator()
        #expect(try await responses.next()?.count == 42)
        #expect(server.connectionsAccepted == 2)
        stream.finishSending()
        while try await responses.next() != nil {}
        await client.close()
        await raw.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a client that pings more often than allowed without calls gets GOAWAY ENHANCE_YOUR_CALM and is closed")
    func pingFloodWithoutCalls() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await Self.startServer(GRPCKeepalive(), group: group)
        let raw = try await RawHTTP2Client.connect(port: server.port, group: group)
        for i in 0..<6 {
            try? await raw.write(HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: UInt64(i)), ack: false)))
            try await Task.sleep(for: .milliseconds(20))
        }
        let sentAway = try await raw.waitUntil { frames in
            frames.contains { frame in
                if case .goAway(_, .enhanceYourCalm, let data) = frame.payload {
                    return data.map { String(buffer: $0) } == "too_many_pings"
                }
                return false
            }
        }
        #expect(sentAway)
        try await raw.channel.closeFuture.get()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("pings sooner than min-time on a call are no strike when a response went out between them, as after Go clients' BDP pings")
    func pingsAfterResponses() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await Self.startServer(GRPCKeepalive(), group: group)
        let raw = try await RawHTTP2Client.connect(port: server.port, group: group)
        let stream = HTTP2StreamID(1)
        try await raw.write(HTTP2Frame(streamID: stream, payload: RawHTTP2Client.requestHeaders("/test.Echo/Echo")))
        for i in 1...20 {
            var request = Etcdserverpb_RangeRequest()
            request.limit = Int64(i)
            try await raw.write(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(try request.grpcFramed())))))
            #expect(try await raw.waitUntil { _ in grpcMessages(in: raw.body(of: stream)).count == i })
            try await raw.write(HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: UInt64(i)), ack: false)))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(raw.channel.isActive)
        #expect(!raw.frames.contains { if case .goAway = $0.payload { return true } else { return false } })
        // The same pings with no response between them are strikes.
        for i in 0..<4 {
            try? await raw.write(HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: UInt64(100 + i)), ack: false)))
        }
        #expect(try await raw.waitUntil { frames in
            frames.contains { if case .goAway(_, .enhanceYourCalm, _) = $0.payload { return true } else { return false } }
        })
        await raw.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}

/// Appends every inbound byte to a shared buffer.
private final class ByteRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let received: NIOLockedValueBox<ByteBuffer>

    init(received: NIOLockedValueBox<ByteBuffer>) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.received.withLockedValue { $0.writeBuffer(&bytes) }
    }
}
