import EtcdAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import Testing

@testable import GRPCWire

/// The client's transparent retry of streaming calls a server refused before processing them.
@Suite("Retry of refused streams")
struct StreamRetryTests {
    enum Refusal: String, CaseIterable, Sendable {
        case refusedStream, goAway
    }

    /// An HTTP/2 server that refuses every stream it is offered, with RST_STREAM(REFUSED_STREAM)
    /// or with a GOAWAY naming no stream; counts the refusals.
    static func startRefusingServer(_ refusal: Refusal, group: any EventLoopGroup, refused: NIOLockedValueBox<Int>)
        async throws -> any Channel
    {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server))
                    try channel.pipeline.syncOperations.addHandler(Refuser(refusal: refusal, refused: refused))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test("a bidirectional stream refused by one endpoint is opened again on the next, with the requests already sent", arguments: Refusal.allCases)
    func refusedStreamIsRetried(_ refusal: Refusal) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let refused = NIOLockedValueBox(0)
        let refusing = try await Self.startRefusingServer(refusal, group: group, refused: refused)
        let server = try await GRPCServer.start(
            .init(host: "127.0.0.1", port: 0, methods: [TestMethods.echo]), group: group)
        let client = try GRPCClient(
            .init(endpoints: ["127.0.0.1:\(refusing.localAddress!.port!)", "127.0.0.1:\(server.port)"]), group: group)
        let stream = try await client.stream(
            "/test.Echo/Echo", requestType: Etcdserverpb_RangeRequest.self, responseType: Etcdserverpb_RangeResponse.self,
            timeout: .seconds(120))
        // The deadline only bounds a hang. It was 10 s, and in the full suite the simulation
        // tests, which keep both of the cooperative pool's threads busy for a minute, once
        // starved this task past it (the call's timer runs on its event loop regardless).
        // Sent at once, before the refusal can have arrived: they must not be lost.
        for limit in 1...3 {
            var request = Etcdserverpb_RangeRequest()
            request.limit = Int64(limit)
            try stream.send(request)
        }
        var responses = stream.responses.makeAsyncIterator()
        var counts: [Int64] = []
        for _ in 1...3 { counts.append(try #require(try await responses.next()).count) }
        #expect(counts == [1, 2, 3])
        var request = Etcdserverpb_RangeRequest()
        request.limit = 4
        try stream.send(request)
        #expect(try await responses.next()?.count == 4)
        stream.finishSending()
        #expect(try await responses.next() == nil)
        #expect(refused.withLockedValue { $0 } == 1)
        await client.close()
        await server.shutdown()
        try await refusing.close()
        try await group.shutdownGracefully()
    }

    @Test("a stream every endpoint refuses ends with UNAVAILABLE after one attempt per endpoint")
    func everyEndpointRefuses() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let refused = NIOLockedValueBox(0)
        let first = try await Self.startRefusingServer(.refusedStream, group: group, refused: refused)
        let second = try await Self.startRefusingServer(.refusedStream, group: group, refused: refused)
        let client = try GRPCClient(
            .init(endpoints: ["127.0.0.1:\(first.localAddress!.port!)", "127.0.0.1:\(second.localAddress!.port!)"]),
            group: group)
        let stream = try await client.stream(
            "/test.Echo/Echo", requestType: Etcdserverpb_RangeRequest.self, responseType: Etcdserverpb_RangeResponse.self)
        await #expect {
            for try await _ in stream.responses {}
        } throws: { ($0 as? GRPCStatus)?.code == .unavailable }
        // The first attempt and one retry per endpoint.
        #expect(refused.withLockedValue { $0 } == 3)
        await client.close()
        try await first.close()
        try await second.close()
        try await group.shutdownGracefully()
    }
}

/// Refuses every stream a client opens.
private final class Refuser: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame
    let refusal: StreamRetryTests.Refusal
    let refused: NIOLockedValueBox<Int>

    init(refusal: StreamRetryTests.Refusal, refused: NIOLockedValueBox<Int>) {
        self.refusal = refusal
        self.refused = refused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        guard case .headers = frame.payload else { return }
        self.refused.withLockedValue { $0 += 1 }
        switch self.refusal {
        case .refusedStream:
            context.writeAndFlush(self.wrapOutboundOut(HTTP2Frame(streamID: frame.streamID, payload: .rstStream(.refusedStream))), promise: nil)
        case .goAway:
            context.writeAndFlush(
                self.wrapOutboundOut(
                    HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil))),
                promise: nil)
        }
    }
}
