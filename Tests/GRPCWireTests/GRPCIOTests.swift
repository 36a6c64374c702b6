import Foundation
import Testing

/// Python grpcio (gRPC's C core) against GRPCWire: the error cases, with the codes and texts
/// grpc-go and etcd give. Each scenario's checks live in Tests/GRPCWireClients/grpcio_client.py.
@Suite("Python grpcio against GRPCWire", .serialized)
struct GRPCIOTests {
    static func expectScenario(
        _ scenario: String, _ arguments: [String] = [], server serverArguments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let server = try await TestServer.start(serverArguments)
        let result = try await RealClients.grpcio(scenario, port: server.port, arguments)
        #expect(result.status == 0, "\(scenario): \(result.output) \(result.errors)", sourceLocation: sourceLocation)
    }

    @Test("500 unary Puts and a Range on one connection")
    func putRange() async throws { try await Self.expectScenario("put-range", ["--count", "500"]) }

    @Test("an unknown method and an unknown service get UNIMPLEMENTED with grpc-go's text")
    func unknownMethod() async throws { try await Self.expectScenario("unknown-method") }

    @Test("a malformed protobuf gets INTERNAL 'error unmarshalling request'; the connection lives on")
    func malformed() async throws { try await Self.expectScenario("malformed") }

    @Test("oversize: etcd's 'request is too large' over --max-request-bytes, RESOURCE_EXHAUSTED over the gRPC limit")
    func oversize() async throws {
        try await Self.expectScenario("oversize", ["--size", "100000"], server: ["--max-request-bytes", "100000"])
    }

    @Test("a stream past its deadline gets DEADLINE_EXCEEDED and the server drops it")
    func deadline() async throws { try await Self.expectScenario("deadline") }

    @Test("a client cancelling a watch mid-stream reaches the handler")
    func cancellation() async throws { try await Self.expectScenario("cancel") }

    @Test("a watch receives 3,000 events while 3,000 Puts are in flight on the same connection")
    func watchMany() async throws { try await Self.expectScenario("watch-many", ["--count", "3000"]) }
}
