import EtcdAPI
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import Testing

@testable import GRPCWire

/// SPEC B9 on the wire: a streaming call to a client that does not read holds at most
/// ``GRPCLimits/maxQueuedResponseBytesPerStream`` of responses; its producer waits.
@Suite("Backpressure of streamed responses")
struct ResponseBackpressureTests {
    static let bound = 16 * 1024
    static let messages = 300
    static let valueBytes = 1000

    /// Streams `request.limit` RangeResponses numbered by `count`, each with a 1000-byte value,
    /// as fast as `sendWhenWritable` lets it (or with the plain `send` when `waits` is false);
    /// counts what it produced.
    static func flood(
        produced: NIOLockedValueBox<Int>, call: NIOLockedValueBox<GRPCServerCall?>, waits: Bool = true
    ) -> GRPCServerMethod {
        .serverStreaming("/test.Flood/Flood") {
            (request: Etcdserverpb_RangeRequest, stream: GRPCResponseStream<Etcdserverpb_RangeResponse>) in
            call.withLockedValue { $0 = stream.call }
            Task {
                for index in 0..<Int(request.limit) {
                    var response = Etcdserverpb_RangeResponse()
                    response.count = Int64(index)
                    var kv = Mvccpb_KeyValue()
                    kv.value = Data(repeating: UInt8(index % 251), count: Self.valueBytes)
                    response.kvs = [kv]
                    if waits {
                        do {
                            try await stream.sendWhenWritable(response)
                        } catch {
                            return
                        }
                    } else {
                        stream.send(response)
                    }
                    produced.withLockedValue { $0 += 1 }
                }
                stream.finish()
            }
        }
    }

    @Test("a client that does not read holds the server's queued bytes under the bound and suspends the producer; once it reads, every message arrives in order")
    func slowReader() async throws {
        let flood = try await Flood.start()
        let (produced, stream, client) = (flood.produced, Flood.stream, flood.client)

        // The producer runs until the bound stops it, then stays suspended.
        var last = -1
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            let now = produced.withLockedValue { $0 }
            if now > 0 && now == last { break }
            last = now
        }
        try await Task.sleep(for: .milliseconds(300))
        let stalled = produced.withLockedValue { $0 }
        #expect(stalled == last, "the producer went on from \(last) to \(stalled)")
        #expect(stalled > 0 && stalled < Self.messages / 4, "produced \(stalled) of \(Self.messages)")
        let call = try #require(flood.serverCall.withLockedValue { $0 })
        let queued = try await call.eventLoop.submit { call.queuedResponseBytes }.get()
        #expect(queued > 0 && queued <= Self.bound, "\(queued) bytes queued")
        #expect(client.body(of: stream).readableBytes <= 4096)

        // The client reads: every message arrives, in order, then OK trailers.
        try await client.write(
            HTTP2Frame(streamID: stream, payload: .windowUpdate(windowSizeIncrement: 1 << 30)),
            HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: 1 << 30)))
        let ended = try await client.waitUntil { frames in
            frames.contains { frame in
                if frame.streamID == stream, case .headers(let headers) = frame.payload { return headers.endStream }
                return false
            }
        }
        #expect(ended)
        let counts = try grpcMessages(in: client.body(of: stream)).map { try Etcdserverpb_RangeResponse(grpcPayload: $0).count }
        #expect(counts == (0..<Int64(Self.messages)).map { $0 })
        let trailers = client.frames.compactMap { frame -> String? in
            guard frame.streamID == stream, case .headers(let headers) = frame.payload, headers.endStream else { return nil }
            return headers.headers.first(name: "grpc-status")
        }
        #expect(trailers == ["0"])
        #expect(try await call.eventLoop.submit { call.queuedResponseBytes }.get() == 0)
        try await flood.stop()
    }

    @Test("the plain send never waits: its bytes count, past the bound, and the stream stays correct")
    func plainSendIsUnbounded() async throws {
        let flood = try await Flood.start(waits: false)
        let (produced, stream, client) = (flood.produced, Flood.stream, flood.client)
        for _ in 0..<200 where produced.withLockedValue({ $0 }) < Self.messages {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(produced.withLockedValue { $0 } == Self.messages)
        let call = try #require(flood.serverCall.withLockedValue { $0 })
        let queued = try await call.eventLoop.submit { call.queuedResponseBytes }.get()
        #expect(queued > Self.bound * 10, "\(queued) bytes queued")
        try await client.write(
            HTTP2Frame(streamID: stream, payload: .windowUpdate(windowSizeIncrement: 1 << 30)),
            HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: 1 << 30)))
        #expect(try await client.waitUntil { _ in grpcMessages(in: client.body(of: stream)).count == Self.messages })
        try await flood.stop()
    }

    @Test("a producer waiting for room hears that the call ended when the client resets the stream")
    func resetWhileWaiting() async throws {
        let flood = try await Flood.start()
        let (produced, stream, client) = (flood.produced, Flood.stream, flood.client)
        try await Task.sleep(for: .milliseconds(500))
        let call = try #require(flood.serverCall.withLockedValue { $0 })
        try await client.write(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel)))
        var closed = false
        for _ in 0..<100 where !closed {
            try await Task.sleep(for: .milliseconds(20))
            closed = try await call.eventLoop.submit { call.isClosed && call.queuedResponseBytes == 0 }.get()
        }
        #expect(closed, "the call did not end or its queued bytes were not released")
        let stopped = produced.withLockedValue { $0 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(produced.withLockedValue { $0 } == stopped)
        #expect(stopped < Self.messages)
        try await flood.stop()
    }

    /// A server with a bound of ``bound`` bytes and the flood method, and a raw client with a
    /// 4 KiB stream window that it never opens until told (the server can send 4 KiB, then
    /// HTTP/2 flow control holds the rest), whose stream 1 has asked for ``messages`` responses.
    struct Flood {
        static let stream = HTTP2StreamID(1)
        let produced: NIOLockedValueBox<Int>
        let serverCall: NIOLockedValueBox<GRPCServerCall?>
        let group: MultiThreadedEventLoopGroup
        let server: GRPCServer
        let client: RawHTTP2Client

        static func start(waits: Bool = true) async throws -> Flood {
            let produced = NIOLockedValueBox(0)
            let serverCall = NIOLockedValueBox<GRPCServerCall?>(nil)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var limits = GRPCLimits()
            limits.maxQueuedResponseBytesPerStream = ResponseBackpressureTests.bound
            let method = ResponseBackpressureTests.flood(produced: produced, call: serverCall, waits: waits)
            let server = try await GRPCServer.start(
                .init(host: "127.0.0.1", port: 0, methods: [method], limits: limits), group: group)
            let client = try await RawHTTP2Client.connect(
                port: server.port, group: group, settings: [HTTP2Setting(parameter: .initialWindowSize, value: 4096)])
            var request = Etcdserverpb_RangeRequest()
            request.limit = Int64(ResponseBackpressureTests.messages)
            try await client.write(
                HTTP2Frame(streamID: stream, payload: RawHTTP2Client.requestHeaders("/test.Flood/Flood")),
                HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(try request.grpcFramed()), endStream: true))))
            return Flood(produced: produced, serverCall: serverCall, group: group, server: server, client: client)
        }

        func stop() async throws {
            await client.close()
            await server.shutdown()
            try await group.shutdownGracefully()
        }
    }
}
