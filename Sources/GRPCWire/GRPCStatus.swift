/// The outcome of a gRPC call as it travels in the `grpc-status` and `grpc-message` trailers.
///
/// etcd's clients decide what went wrong from the code *and* the message text (clientv3 maps
/// errors such as "etcdserver: request is too large" by string), so a status carries etcd's or
/// grpc-go's exact message wherever one exists.
public struct GRPCStatus: Error, Hashable, Sendable, CustomStringConvertible {
    /// The canonical gRPC status codes (grpc/doc/statuscodes.md); the raw values are the wire values.
    public enum Code: Int, Sendable, Hashable, CaseIterable {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = GRPCStatus(.ok)

    public var description: String {
        self.message.isEmpty ? "\(self.code)" : "\(self.code): \(self.message)"
    }
}

extension GRPCStatus {
    /// grpc-go's answer to a `:path` naming a service the server does not offer.
    static func unknownService(_ service: Substring) -> GRPCStatus {
        GRPCStatus(.unimplemented, "unknown service \(service)")
    }

    /// grpc-go's answer to a `:path` naming a method the service does not have.
    static func unknownMethod(_ method: Substring, service: Substring) -> GRPCStatus {
        GRPCStatus(.unimplemented, "unknown method \(method) for service \(service)")
    }

    /// grpc-go's answer to a `:path` that is not `/service/method`.
    static func malformedMethodName(_ path: String) -> GRPCStatus {
        GRPCStatus(.unimplemented, "malformed method name: \"\(path)\"")
    }

    /// grpc-go's answer to a request message longer than the server's receive limit.
    static func messageTooLarge(length: Int, limit: Int) -> GRPCStatus {
        GRPCStatus(.resourceExhausted, "grpc: received message larger than max (\(length) vs. \(limit))")
    }

    /// grpc-go's answer to a request body that does not parse as the method's message.
    static func unmarshalFailed(_ error: any Error) -> GRPCStatus {
        GRPCStatus(.internal, "grpc: error unmarshalling request: \(error)")
    }

    /// grpc-go's answer to a message compressed with an encoding the server does not have.
    static func compressionUnsupported(_ encoding: String) -> GRPCStatus {
        GRPCStatus(.unimplemented, "grpc: Decompressor is not installed for grpc-encoding \"\(encoding)\"")
    }

    /// What grpc-go's server returns when a call outlives its `grpc-timeout`.
    static let deadlineExceeded = GRPCStatus(.deadlineExceeded, "context deadline exceeded")

    /// What a call's handler sees when the client reset the stream or the connection went away.
    static let cancelledByClient = GRPCStatus(.cancelled, "context canceled")
    /// What a send waiting for room hears when its call ended first.
    static let callEnded = GRPCStatus(.cancelled, "the call ended before the message could be sent")
}
