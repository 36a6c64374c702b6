import EtcdAPI
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GRPCWire

/// The server's frame handling on an EmbeddedChannel: HTTP/2 frames in, frames out, no socket.
@Suite("GRPCServerConnectionHandler on frames")
struct GRPCServerConnectionHandlerTests {
    /// A unary echo of PutRequest.key into PutResponse.prevKv.key.
    static let echo = GRPCServerMethod.unary("/etcdserverpb.KV/Put") {
        (request: Etcdserverpb_PutRequest, responder: GRPCUnaryResponder<Etcdserverpb_PutResponse>) in
        var response = Etcdserverpb_PutResponse()
        response.prevKv.key = request.key
        responder.succeed(response)
    }

    static func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            GRPCServerConnectionHandler(router: GRPCRouter([Self.echo]), limits: GRPCLimits(), httpEndpoints: nil))
        return channel
    }

    static let requestHeaders: HPACKHeaders = [
        ":method": "POST", ":path": "/etcdserverpb.KV/Put", ":scheme": "http", ":authority": "x",
        "content-type": "application/grpc", "te": "trailers",
    ]

    /// Every outbound frame, in order.
    static func written(_ channel: EmbeddedChannel) throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        while let frame = try channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame) }
        return frames
    }

    @Test("a request message split across DATA frames at every byte boundary gets the same answer")
    func everySplitOfTheBody() throws {
        var request = Etcdserverpb_PutRequest()
        request.key = Data("split-key".utf8)
        request.value = Data(repeating: 7, count: 40)
        let body = try request.grpcFramed()
        for cut in 0...body.readableBytes {
            let channel = try Self.makeChannel()
            let stream = HTTP2StreamID(1)
            try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.requestHeaders))))
            let first = body.getSlice(at: 0, length: cut)!
            let second = body.getSlice(at: cut, length: body.readableBytes - cut)!
            try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(first)))))
            try channel.writeInbound(
                HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(second), endStream: true))))
            var frames = try Self.written(channel).filter { $0.streamID == stream }
            if cut == body.readableBytes {
                // The whole message came before END_STREAM: the handler answered at once, and the
                // stream, still open from the client's side, was reset after the trailers (as
                // grpc-go does); the empty END_STREAM frame that followed was ignored.
                guard case .rstStream(.noError) = frames.last?.payload else {
                    Issue.record("no RST_STREAM(NO_ERROR) after an early answer: \(frames)")
                    continue
                }
                frames.removeLast()
            }
            #expect(frames.count == 3, "split at \(cut): \(frames)")
            guard frames.count == 3, case .data(let data) = frames[1].payload, case .byteBuffer(var bytes) = data.data,
                case .headers(let trailers) = frames[2].payload
            else { continue }
            bytes.moveReaderIndex(forwardBy: 5)
            let response = try Etcdserverpb_PutResponse(grpcPayload: bytes)
            #expect(response.prevKv.key == request.key, "split at \(cut)")
            #expect(trailers.endStream && trailers.headers.first(name: "grpc-status") == "0")
            #expect(try channel.finish().isClean)
        }
    }

    @Test("RST_STREAM from the client cancels the call; frames for it afterwards are ignored")
    func resetCancels() throws {
        let channel = try Self.makeChannel()
        let stream = HTTP2StreamID(3)
        try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.requestHeaders))))
        try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel)))
        var request = Etcdserverpb_PutRequest()
        request.key = Data("late".utf8)
        try channel.writeInbound(
            HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(try request.grpcFramed()), endStream: true))))
        let frames = try Self.written(channel).filter { $0.streamID == stream }
        #expect(frames.isEmpty, "\(frames)")
        #expect(try channel.finish().isClean)
    }

    @Test("a DATA frame with a too-long prefix is answered RESOURCE_EXHAUSTED before the body arrives")
    func oversizePrefix() throws {
        let channel = try Self.makeChannel()
        let stream = HTTP2StreamID(5)
        try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.requestHeaders))))
        var prefix = ByteBuffer()
        prefix.writeInteger(UInt8(0))
        prefix.writeInteger(UInt32(GRPCLimits().maxReceiveMessageBytes + 1))
        try channel.writeInbound(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(prefix)))))
        let frames = try Self.written(channel).filter { $0.streamID == stream }
        guard case .headers(let trailers) = frames.first?.payload else {
            Issue.record("no trailers: \(frames)")
            return
        }
        #expect(trailers.headers.first(name: "grpc-status") == "8")
        #expect(trailers.headers.first(name: "grpc-message")?.hasPrefix("grpc: received message larger than max") == true)
        // The client had not finished sending: the stream is reset after the trailers.
        if case .rstStream(let code) = frames.last?.payload { #expect(code == .noError) } else { Issue.record("no RST_STREAM") }
        #expect(try channel.finish().isClean)
    }
}

import Foundation
