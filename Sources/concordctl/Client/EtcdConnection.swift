import GRPCWire
import NIOCore
import NIOPosix
import SwiftProtobuf

/// A connection to etcd's endpoints for one command, with etcdctl's timeouts: every call has
/// the command timeout, and an endpoint that cannot be reached is tried again until that
/// timeout is over, as grpc-go keeps redialling while a call waits (so an unreachable cluster
/// says "context deadline exceeded", as etcdctl does).
final class EtcdConnection: Sendable {
    let settings: Settings
    /// The endpoints as given (URLs or `host:port`).
    let endpoints: [String]
    private let client: GRPCClient

    /// How long to wait before trying an endpoint that refused the connection again.
    private static let redialPause: Duration = .milliseconds(100)

    init(_ settings: Settings, endpoints: [String]? = nil) throws(CtlError) {
        self.settings = settings
        self.endpoints = endpoints ?? settings.endpoints
        let configuration = GRPCClient.Configuration(
            endpoints: self.endpoints.map(Settings.hostAndPort), tls: settings.tls,
            connectTimeout: settings.dialTimeout, reconnectBackoff: .milliseconds(100))
        do {
            self.client = try GRPCClient(configuration, group: MultiThreadedEventLoopGroup.singleton)
        } catch {
            throw CtlError(.badArgs, "\(error)")
        }
    }

    /// Opens a connection for the length of `body` and closes it after.
    static func with<Result>(
        _ settings: Settings, endpoints: [String]? = nil, _ body: (EtcdConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try EtcdConnection(settings, endpoints: endpoints)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// One unary call, its failure as etcdctl words it.
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ request: Request, as: Response.Type = Response.self, timeout: TimeAmount? = nil
    ) async throws(CtlError) -> Response {
        do {
            return try await self.callStatus(path, request, timeout: timeout)
        } catch {
            throw CtlError(error)
        }
    }

    /// One unary call; a failure stays a ``GRPCStatus`` for commands that word it themselves.
    func callStatus<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, _ request: Request, as: Response.Type = Response.self, timeout: TimeAmount? = nil
    ) async throws(GRPCStatus) -> Response {
        let timeout = timeout ?? self.settings.commandTimeout
        let deadline = ContinuousClock.now + .nanoseconds(timeout.nanoseconds)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw GRPCStatus(.deadlineExceeded, "context deadline exceeded") }
            do {
                let response: Response = try await self.client.unary(
                    path, request, timeout: .nanoseconds(Int64(remaining / .nanoseconds(1))))
                return response
            } catch let status as GRPCStatus where Self.neverReachedServer(status) {
                try? await Task.sleep(for: Self.redialPause)
            } catch let status as GRPCStatus {
                throw status
            } catch {
                throw GRPCStatus(.unknown, "\(error)")
            }
        }
    }

    /// Opens a streaming call (no deadline: watch, keep-alive and snapshot run as long as they run).
    func stream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ path: String, requestType: Request.Type = Request.self, responseType: Response.Type = Response.self,
        requireLeader: Bool = false
    ) async throws(CtlError) -> GRPCClientStream<Request, Response> {
        let deadline = ContinuousClock.now + .nanoseconds(self.settings.commandTimeout.nanoseconds)
        while true {
            do {
                return try await self.client.stream(
                    path, requestType: Request.self, responseType: Response.self,
                    metadata: requireLeader ? ["hasleader": "true"] : [:])
            } catch let status as GRPCStatus where Self.neverReachedServer(status) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: Self.redialPause)
            } catch let status as GRPCStatus {
                throw CtlError(Self.neverReachedServer(status) ? GRPCStatus(.deadlineExceeded) : status)
            } catch {
                throw CtlError(.error, "\(error)")
            }
        }
    }

    /// The client's own UNAVAILABLE (no connection): the request never left, so trying again is
    /// safe. etcd's UNAVAILABLE answers ("etcdserver: leader changed") are the server's word.
    private static func neverReachedServer(_ status: GRPCStatus) -> Bool {
        status.code == .unavailable && !status.message.hasPrefix("etcdserver: ")
    }

    func close() async {
        await self.client.close()
    }
}
