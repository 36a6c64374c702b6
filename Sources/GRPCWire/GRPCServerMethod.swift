import NIOCore
import NIOHPACK
import SwiftProtobuf

/// A method the server offers: its path and what to do when a call to it starts.
///
/// The four kinds of gRPC call are built here from typed handlers; underneath, every call is a
/// stream of request messages and a stream of responses (``GRPCServerCall``). Handlers are
/// invoked on the connection's event loop and must not block it.
public struct GRPCServerMethod: Sendable {
    /// `/package.Service/Method`, as it arrives in `:path`.
    public let path: String
    /// Which of the four kinds of call the method takes (metrics label calls with it).
    public let type: GRPCMethodType
    let kind: Kind
    /// Told the status of every call to the method when it ends (``observingFinishes(_:)``).
    private(set) var finished: (@Sendable (GRPCStatus.Code) -> Void)?

    init(path: String, type: GRPCMethodType, kind: Kind) {
        self.path = path
        self.type = type
        self.kind = kind
    }

    /// The same method, with `observer` told the code of every call's ending: the status it
    /// finished with, or CANCELLED when the client went away first. It runs on the call's event
    /// loop, once per call, and must be cheap: it is made once per method, never per call.
    public func observingFinishes(_ observer: @escaping @Sendable (GRPCStatus.Code) -> Void) -> GRPCServerMethod {
        var observed = self
        observed.finished = observer
        return observed
    }

    enum Kind: Sendable {
        /// Unary and server-streaming: the one request message goes straight to this closure,
        /// made once per method, so a call allocates no closures of its own (the hot path).
        case singleRequest(@Sendable (ByteBuffer, GRPCServerCall) -> Void)
        /// Client- and bidirectional streaming: each call gets a sink for its requests.
        case requestStream(@Sendable (GRPCServerCall) -> GRPCRequestSink)
    }

    /// One request, one response (KV.Put, KV.Range, ...). The handler runs once the request
    /// message is whole; it answers through the responder, now or later, from any thread.
    public static func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String,
        _ handler: @escaping @Sendable (Request, GRPCUnaryResponder<Response>) -> Void
    ) -> GRPCServerMethod {
        GRPCServerMethod(
            path: path,
            type: .unary,
            kind: .singleRequest { bytes, call in
                guard let request = call.decode(Request.self, from: bytes) else { return }
                handler(request, GRPCUnaryResponder(call: call))
            })
    }

    /// One request, a stream of responses (e.g. Maintenance.Snapshot).
    public static func serverStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String,
        _ handler: @escaping @Sendable (Request, GRPCResponseStream<Response>) -> Void
    ) -> GRPCServerMethod {
        GRPCServerMethod(
            path: path,
            type: .serverStream,
            kind: .singleRequest { bytes, call in
                guard let request = call.decode(Request.self, from: bytes) else { return }
                handler(request, GRPCResponseStream(call: call))
            })
    }

    /// A stream of requests, one response. `handler` runs when the call starts and returns
    /// what receives the requests.
    public static func clientStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String,
        _ handler: @escaping @Sendable (GRPCUnaryResponder<Response>) -> GRPCRequestObserver<Request>
    ) -> GRPCServerMethod {
        GRPCServerMethod(
            path: path,
            type: .clientStream,
            kind: .requestStream { call in GRPCRequestSink(handler(GRPCUnaryResponder(call: call)), call: call) })
    }

    /// Requests and responses both streamed, independently (Watch, Lease.LeaseKeepAlive).
    /// `handler` runs when the call starts and returns what receives the requests.
    public static func bidirectional<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String,
        _ handler: @escaping @Sendable (GRPCResponseStream<Response>) -> GRPCRequestObserver<Request>
    ) -> GRPCServerMethod {
        GRPCServerMethod(
            path: path,
            type: .bidiStream,
            kind: .requestStream { call in GRPCRequestSink(handler(GRPCResponseStream(call: call)), call: call) })
    }
}

/// What receives a streaming call's requests; its closures run on the call's event loop.
public struct GRPCRequestObserver<Request: SwiftProtobuf.Message> {
    public var onMessage: (Request) -> Void
    /// The client finished sending (half-close); responses may still go out.
    public var onEnd: () -> Void

    public init(onMessage: @escaping (Request) -> Void, onEnd: @escaping () -> Void = {}) {
        self.onMessage = onMessage
        self.onEnd = onEnd
    }
}

/// The answer to a call with one response.
public struct GRPCUnaryResponder<Response: SwiftProtobuf.Message>: Sendable {
    public let call: GRPCServerCall

    public func succeed(_ response: Response, trailers: HPACKHeaders = [:]) {
        self.call.respond(response, trailers: trailers)
    }

    public func fail(_ status: GRPCStatus, trailers: HPACKHeaders = [:]) {
        precondition(status.code != .ok, "a failure needs a status other than OK")
        self.call.finish(status, trailers: trailers)
    }
}

/// The responses of a streaming call.
public struct GRPCResponseStream<Response: SwiftProtobuf.Message>: Sendable {
    public let call: GRPCServerCall

    /// Sends without waiting: fine for a few responses (a watch's "created"), unbounded for many.
    public func send(_ response: Response) {
        self.call.send(response)
    }

    /// Sends once the stream's queued responses leave room, suspending until then (SPEC B9):
    /// what a producer of many responses uses. Throws when the call ended first.
    public func sendWhenWritable(_ response: Response) async throws {
        try await self.call.sendWhenWritable(response)
    }

    public func finish(_ status: GRPCStatus = .ok, trailers: HPACKHeaders = [:]) {
        self.call.finish(status, trailers: trailers)
    }
}

extension GRPCRequestSink {
    init<Request: SwiftProtobuf.Message>(_ observer: GRPCRequestObserver<Request>, call: GRPCServerCall) {
        self.init(
            onMessage: { bytes in
                guard let request = call.decode(Request.self, from: bytes) else { return }
                observer.onMessage(request)
            },
            onEnd: observer.onEnd
        )
    }
}

extension GRPCServerCall {
    /// The request parsed from one message, or nil after finishing the call with grpc-go's
    /// INTERNAL "error unmarshalling request".
    func decode<Request: SwiftProtobuf.Message>(_ type: Request.Type, from bytes: ByteBuffer) -> Request? {
        do {
            return try Request(grpcPayload: bytes)
        } catch {
            self.finish(.unmarshalFailed(error))
            return nil
        }
    }
}

extension GRPCStatus {
    /// A unary or server-streaming call whose request stream ended before its one message.
    static let missingRequest = GRPCStatus(.internal, "grpc: request stream ended without a message")
}
