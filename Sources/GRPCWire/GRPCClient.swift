import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import SwiftProtobuf

/// A gRPC client for one or more endpoints (`host:port`), one HTTP/2 connection to each, made
/// when first needed. Calls go round-robin over the endpoints whose connection works, as
/// etcd's clientv3 balancer does; a call that could not be sent because its endpoint is down
/// (nothing reached the server, so it is safe) is tried on the next endpoint.
///
/// Used by `concordctl`, `concord-bench` and the forwarding of requests between members.
public final class GRPCClient: Sendable {
    public struct Configuration: Sendable {
        /// `host:port` of each endpoint.
        public var endpoints: [String]
        public var tls: GRPCTLSFiles?
        public var limits: GRPCLimits
        public var connectTimeout: TimeAmount
        /// How long an endpoint that refused a connection is left alone.
        public var reconnectBackoff: TimeAmount

        public init(
            endpoints: [String], tls: GRPCTLSFiles? = nil, limits: GRPCLimits = GRPCLimits(),
            connectTimeout: TimeAmount = .seconds(5), reconnectBackoff: TimeAmount = .seconds(1)
        ) {
            precondition(!endpoints.isEmpty, "a client needs at least one endpoint")
            self.endpoints = endpoints
            self.tls = tls
            // A response may be as large as etcd's largest (a Range of many keys).
            var limits = limits
            limits.maxReceiveMessageBytes = max(limits.maxReceiveMessageBytes, Self.maxResponseBytes)
            self.limits = limits
            self.connectTimeout = connectTimeout
            self.reconnectBackoff = reconnectBackoff
        }

        /// etcd's clientv3 default MaxCallRecvMsgSize is math.MaxInt32; 512 MiB bounds memory.
        public static let maxResponseBytes = 512 << 20
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let endpoints: [GRPCEndpointConnection]
    private let nextEndpoint = NIOLockedValueBox(0)

    public init(_ configuration: Configuration, group: any EventLoopGroup) throws {
        self.configuration = configuration
        self.group = group
        let sslContext = try configuration.tls.map { try $0.makeClientContext() }
        self.sslContext = sslContext
        self.endpoints = try configuration.endpoints.map {
            try GRPCEndpointConnection(endpoint: $0, configuration: configuration, sslContext: sslContext)
        }
    }

    /// Calls a unary method: one request, one response.
    /// - Throws: ``GRPCStatus`` when the call does not end OK.
    public func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ request: Request, as: Response.Type = Response.self,
        metadata: HPACKHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            self.unary(path, request, metadata: metadata, timeout: timeout) { (result: Result<Response, GRPCStatus>) in
                continuation.resume(with: result)
            }
        }
    }

    /// Calls a unary method and hands the outcome to `completion` on an event loop (no task:
    /// the benchmark's way, and the forwarding path's).
    ///
    /// A call the server certainly never processed (refused with REFUSED_STREAM, or above the
    /// stream named in its GOAWAY during a graceful shutdown) is sent again, to the next
    /// endpoint, up to once per endpoint: the transparent retry grpc-go does.
    public func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ request: Request, metadata: HPACKHeaders = [:], timeout: TimeAmount? = nil,
        completion: @escaping @Sendable (Result<Response, GRPCStatus>) -> Void
    ) {
        let framed: ByteBuffer
        do {
            framed = try request.grpcFramed()
        } catch {
            completion(.failure(GRPCStatus(.internal, "grpc: error while marshaling: \(error)")))
            return
        }
        self.unary(path, framed: framed, metadata: metadata, timeout: timeout, retriesLeft: self.endpoints.count,
                   completion: completion)
    }

    private func unary<Response: SwiftProtobuf.Message>(
        _ path: String, framed: ByteBuffer, metadata: HPACKHeaders, timeout: TimeAmount?, retriesLeft: Int,
        completion: @escaping @Sendable (Result<Response, GRPCStatus>) -> Void
    ) {
        self.start(path, metadata: metadata, timeout: timeout, attemptsLeft: self.endpoints.count) {
            var received: Response?
            var decodeFailure: GRPCStatus?
            return GRPCClientCall.Observer(
                onMessage: { bytes in
                    guard received == nil, decodeFailure == nil else { return }
                    do {
                        received = try Response(grpcPayload: bytes)
                    } catch {
                        decodeFailure = GRPCStatus(.internal, "grpc: failed to unmarshal the received message: \(error)")
                    }
                },
                onClose: { status, _, neverProcessed in
                    if neverProcessed && retriesLeft > 0 {
                        return self.unary(
                            path, framed: framed, metadata: metadata, timeout: timeout, retriesLeft: retriesLeft - 1,
                            completion: completion)
                    }
                    if let decodeFailure { return completion(.failure(decodeFailure)) }
                    guard status.code == .ok else { return completion(.failure(status)) }
                    guard let received else {
                        return completion(.failure(GRPCStatus(.internal, "server ended a unary call without a response")))
                    }
                    completion(.success(received))
                })
        } started: { call in
            call?.send(framed, end: true)
        }
    }

    /// Opens a streaming call (client-, server- or bidirectional streaming). The call is open
    /// when this returns; requests go out with ``GRPCClientStream/send(_:)``.
    ///
    /// A call the server refuses before processing it (REFUSED_STREAM, or above the stream its
    /// GOAWAY names) is opened again on the next endpoint, up to once per endpoint, and the
    /// requests sent so far go again (``GRPCStreamReplay``): transparent to the caller, as long
    /// as no response came and the requests fit the retry buffer.
    public func stream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, requestType: Request.Type = Request.self, responseType: Response.Type = Response.self,
        metadata: HPACKHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> GRPCClientStream<Request, Response> {
        let (responses, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let replay = GRPCStreamReplay()
        let deadline = timeout.map { NIODeadline.now() + $0 }
        try await withCheckedThrowingContinuation { (opened: CheckedContinuation<Void, any Error>) in
            self.openStream(
                path, metadata: metadata, deadline: deadline, retriesLeft: self.endpoints.count, replay: replay,
                responses: continuation, opened: opened)
        }
        return GRPCClientStream(replay: replay, responses: responses)
    }

    /// One attempt of a streaming call; `opened` is resumed by the first attempt only.
    private func openStream<Response: SwiftProtobuf.Message>(
        _ path: String, metadata: HPACKHeaders, deadline: NIODeadline?, retriesLeft: Int, replay: GRPCStreamReplay,
        responses continuation: AsyncThrowingStream<Response, any Error>.Continuation,
        opened: CheckedContinuation<Void, any Error>?
    ) {
        self.start(path, metadata: metadata, timeout: deadline.map { $0 - .now() }, attemptsLeft: self.endpoints.count) {
            var committed = false
            return GRPCClientCall.Observer(
                onMessage: { bytes in
                    if !committed {
                        committed = true
                        replay.commit()
                    }
                    do {
                        continuation.yield(try Response(grpcPayload: bytes))
                    } catch {
                        continuation.finish(
                            throwing: GRPCStatus(.internal, "grpc: failed to unmarshal the received message: \(error)"))
                    }
                },
                onClose: { status, _, neverProcessed in
                    if neverProcessed && retriesLeft > 0 && replay.beginRetry() {
                        return self.openStream(
                            path, metadata: metadata, deadline: deadline, retriesLeft: retriesLeft - 1, replay: replay,
                            responses: continuation, opened: nil)
                    }
                    continuation.finish(throwing: status.code == .ok ? nil : status)
                })
        } started: { call in
            if let call { replay.reopened(call) }
            guard let opened else { return }
            if call != nil {
                opened.resume()
            } else {
                opened.resume(throwing: GRPCStatus(.unavailable, "no endpoint could take the call"))
            }
        }
    }

    /// Closes every connection once its calls are over.
    public func close() async {
        for endpoint in self.endpoints { await endpoint.close() }
    }

    /// Finds a connection (round-robin, skipping endpoints that are down) and starts the call
    /// on its event loop; `started` gets the call, or nil after every endpoint failed (the
    /// observer has then heard UNAVAILABLE).
    private func start(
        _ path: String, metadata: HPACKHeaders, timeout: TimeAmount?, attemptsLeft: Int, endpointIndex: Int? = nil,
        observer makeObserver: @escaping @Sendable () -> GRPCClientCall.Observer,
        started: @escaping @Sendable (GRPCClientCall?) -> Void
    ) {
        // A first attempt takes the next endpoint in turn; a retry takes the one after the
        // endpoint that failed (other calls move the shared turn meanwhile).
        let index =
            endpointIndex
            ?? self.nextEndpoint.withLockedValue { next in
                defer { next = (next + 1) % self.endpoints.count }
                return next
            }
        let endpoint = self.endpoints[index]
        let retry: @Sendable () -> Void = {
            self.start(
                path, metadata: metadata, timeout: timeout, attemptsLeft: attemptsLeft - 1,
                endpointIndex: (index + 1) % self.endpoints.count, observer: makeObserver, started: started)
        }
        endpoint.connection(group: self.group).whenComplete { result in
            switch result {
            case .success(let (channel, handler)):
                channel.eventLoop.executeNowOrLater {
                    if handler.isAcceptingCalls,
                        let call = handler.startCall(path: path, metadata: metadata, timeout: timeout, observer: makeObserver())
                    {
                        started(call)
                    } else if attemptsLeft > 1 {
                        retry()
                    } else {
                        makeObserver().onClose(
                            GRPCStatus(.unavailable, "connection to \(endpoint.endpoint) is closing"), [:], false)
                        started(nil)
                    }
                }
            case .failure(let error):
                if attemptsLeft > 1 {
                    retry()
                } else {
                    makeObserver().onClose(
                        GRPCStatus(.unavailable, "cannot connect to \(endpoint.endpoint): \(error)"), [:], false)
                    started(nil)
                }
            }
        }
    }
}

/// A streaming call's two halves: ``send(_:)`` and ``finishSending()`` for the requests,
/// ``responses`` for what comes back (ending with the call, throwing ``GRPCStatus`` unless OK).
public final class GRPCClientStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    private let replay: GRPCStreamReplay
    public let responses: AsyncThrowingStream<Response, any Error>

    init(replay: GRPCStreamReplay, responses: AsyncThrowingStream<Response, any Error>) {
        self.replay = replay
        self.responses = responses
    }

    public func send(_ request: Request) throws {
        self.replay.send(try request.grpcFramed())
    }

    public func finishSending() {
        self.replay.finishSending()
    }

    /// Cancels the call (RST_STREAM): ``responses`` ends with CANCELLED.
    public func cancel() {
        self.replay.cancel()
    }
}

extension EventLoop {
    /// Runs `task` now when already on this loop, else queues it.
    func executeNowOrLater(_ task: @escaping @Sendable () -> Void) {
        if self.inEventLoop { task() } else { self.execute(task) }
    }
}
