/// Finds the method for a `:path`, telling an unknown service from an unknown method as
/// grpc-go does (clients show these texts).
struct GRPCRouter: Sendable {
    private let methods: [String: GRPCServerMethod]
    private let services: Set<Substring>

    init(_ methods: [GRPCServerMethod]) {
        var byPath: [String: GRPCServerMethod] = [:]
        for method in methods {
            precondition(byPath[method.path] == nil, "two handlers for \(method.path)")
            precondition(Self.split(method.path) != nil, "not a gRPC method path: \(method.path)")
            byPath[method.path] = method
        }
        self.methods = byPath
        self.services = Set(methods.compactMap { Self.split($0.path)?.service })
    }

    func route(_ path: String) -> Result<GRPCServerMethod, GRPCStatus> {
        if let method = self.methods[path] { return .success(method) }
        guard let (service, method) = Self.split(path) else { return .failure(.malformedMethodName(path)) }
        guard self.services.contains(service) else { return .failure(.unknownService(service)) }
        return .failure(.unknownMethod(method, service: service))
    }

    /// `/service/method` split in two; nil for any other shape.
    private static func split(_ path: String) -> (service: Substring, method: Substring)? {
        guard path.first == "/" else { return nil }
        let rest = path.dropFirst()
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let service = rest[..<slash]
        let method = rest[rest.index(after: slash)...]
        guard !service.isEmpty, !method.isEmpty else { return nil }
        return (service, method)
    }
}
