/// The four kinds of gRPC call, named as go-grpc-prometheus labels them (`grpc_type`), the
/// label etcd's `grpc_server_handled_total` carries.
public enum GRPCMethodType: String, Sendable, CaseIterable {
    case unary
    case clientStream = "client_stream"
    case serverStream = "server_stream"
    case bidiStream = "bidi_stream"
}
