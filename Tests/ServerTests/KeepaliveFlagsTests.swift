import Testing

@testable import Server

@Suite("etcd's --grpc-keepalive-* flags")
struct KeepaliveFlagsTests {
    @Test("The defaults are etcd's, and Go durations set each flag")
    func durations() throws {
        let defaults = try ServerFlags.parse([])
        #expect(defaults.grpcKeepaliveInterval == .seconds(7200))
        #expect(defaults.grpcKeepaliveTimeout == .seconds(20))
        #expect(defaults.grpcKeepaliveMinTime == .seconds(5))
        let set = try ServerFlags.parse([
            "--grpc-keepalive-interval=1h30m", "--grpc-keepalive-timeout", "1.5s", "--grpc-keepalive-min-time=250ms",
        ])
        #expect(set.grpcKeepaliveInterval == .seconds(5400))
        #expect(set.grpcKeepaliveTimeout == .milliseconds(1500))
        #expect(set.grpcKeepaliveMinTime == .milliseconds(250))
        #expect(try ServerFlags.parse(["--grpc-keepalive-min-time=0"]).grpcKeepaliveMinTime == .zero)
    }

    @Test("A value Go cannot parse, or a zero interval, is refused", arguments: [
        ["--grpc-keepalive-interval=2"], ["--grpc-keepalive-timeout=5x"], ["--grpc-keepalive-min-time=s"],
        ["--grpc-keepalive-interval=0"],
    ])
    func refused(_ arguments: [String]) {
        #expect(throws: ConfigurationError.self) { try ServerFlags.parse(arguments) }
    }
}
