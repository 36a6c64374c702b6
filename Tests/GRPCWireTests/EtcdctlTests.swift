import ProcessTestSupport
import Foundation
import Testing

/// The real etcdctl 3.4 (Debian etcd-client, a grpc-go client) against GRPCWire.
@Suite("etcdctl against GRPCWire", .serialized)
struct EtcdctlTests {
    @Test("etcdctl put, get, get --prefix --keys-only, del, -w json")
    func putGetDelete() async throws {
        let server = try await TestServer.start()
        let put = try await RealClients.etcdctl(server.endpoint, ["put", "foo", "bar"])
        #expect(put.status == 0 && put.output == "OK\n", "\(put)")
        _ = try await RealClients.etcdctl(server.endpoint, ["put", "foo2", "baz"])
        let get = try await RealClients.etcdctl(server.endpoint, ["get", "foo"])
        #expect(get.output == "foo\nbar\n", "\(get)")
        let keys = try await RealClients.etcdctl(server.endpoint, ["get", "--prefix", "--keys-only", ""])
        #expect(keys.output == "foo\n\nfoo2\n\n", "\(keys)")
        let json = try await RealClients.etcdctl(server.endpoint, ["get", "foo", "-w", "json"])
        #expect(json.output.contains(#""revision":3"#) && json.output.contains(#""count":1"#), "\(json)")
        let del = try await RealClients.etcdctl(server.endpoint, ["del", "foo"])
        #expect(del.output == "1\n", "\(del)")
        let gone = try await RealClients.etcdctl(server.endpoint, ["get", "foo"])
        #expect(gone.status == 0 && gone.output == "", "\(gone)")
    }

    @Test("etcdctl endpoint status and health")
    func endpointStatusAndHealth() async throws {
        let server = try await TestServer.start()
        let status = try await RealClients.etcdctl(server.endpoint, ["endpoint", "status", "-w", "table"])
        #expect(status.status == 0 && status.output.contains("8e9e05c52164694d") && status.output.contains("true"), "\(status)")
        let health = try await RealClients.etcdctl(server.endpoint, ["endpoint", "health"])
        // etcdctl writes its health verdict to standard error.
        #expect(health.status == 0 && health.errors.contains("is healthy"), "\(health)")
    }

    @Test("etcdctl shows etcd's error text for an empty key, with a non-zero exit")
    func etcdErrorText() async throws {
        let server = try await TestServer.start()
        let put = try await RealClients.etcdctl(server.endpoint, ["put", "", "x"])
        #expect(put.status != 0 && put.errors.contains("Error: etcdserver: key is not provided"), "\(put)")
    }

    /// The PING trap (shared/notes/grpc-on-swift.md): grpc-go sends a BDP PING for nearly every
    /// response; with swift-nio-http2's default control-frame limit (200 per 30 s) the server
    /// sent GOAWAY(ENHANCE_YOUR_CALM) after ~200 responses and the watch lost events.
    @Test("etcdctl watch receives 5,000 events on one connection (the PING trap)")
    func watchThousandsOfEvents() async throws {
        let server = try await TestServer.start()
        let result = try await Self.watch(server: server, events: 5000)
        #expect(result.seen == 5000, "etcdctl saw \(result.seen) of 5000 events; stderr: \(result.errors.suffix(500))")
        #expect(result.stillOpen, "the watch must still be open")
        // etcdctl's watch, Python's puts and curl reading /metrics: none dropped and redialled.
        #expect(result.connectionsAccepted == 3, "connections accepted: \(result.connectionsAccepted)")
    }

    /// Proves that the test above can fail: with swift-nio-http2's default control-frame limit
    /// the same watch is cut off.
    @Test("with swift-nio-http2's default control-frame limit (200 per 30 s), the same watch is cut off")
    func watchCutOffWithDefaultLimit() async throws {
        let server = try await TestServer.start(["--max-control-frames", "200", "--control-frame-window-seconds", "30"])
        let result = try await Self.watch(server: server, events: 2000, patience: .seconds(20))
        // clientv3 redials and resumes the watch from its last revision (the test server keeps
        // history), so the events arrive; the GOAWAYs show as extra connections.
        #expect(result.connectionsAccepted > 3, "no GOAWAY: the trap was not reproduced")
    }

    /// Starts `etcdctl watch --prefix w/`, writes `events` keys under w/ from Python grpcio on one
    /// connection, and counts the events etcdctl printed.
    static func watch(server: TestServer, events count: Int, patience: Duration = .seconds(60)) async throws -> (
        seen: Int, stillOpen: Bool, errors: String, connectionsAccepted: Int
    ) {
        let watch = try ChildProcess(
            RealClients.etcdctl, ["--endpoints=\(server.endpoint)", "watch", "--prefix", "w/"],
            environment: ["ETCDCTL_API": "3"])
        // Let the watch be created before the writes start.
        try await Task.sleep(for: .milliseconds(700))
        let puts = try await RealClients.grpcio(
            "puts", port: server.port, ["--count", "\(count)", "--prefix", "w/", "--sequential"])
        #expect(puts.status == 0, "\(puts)")
        // etcdctl prints PUT, the key and the value: three lines per event.
        _ = await watch.waitForLines(3 * count, timeout: patience)
        let lines = watch.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let keys = Set(lines.filter { $0.hasPrefix("w/") })
        let metrics = try await ChildProcess.run("/usr/bin/curl", ["-s", "http://\(server.endpoint)/metrics"])
        let accepted = metrics.output.split(separator: "\n")
            .first { $0.hasPrefix("grpcwire_connections_accepted_total ") }
            .flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        return (keys.count, watch.isRunning, watch.standardError, accepted)
    }

    @Test("etcdctl watch --rev replays history, then sees new events")
    func watchFromRevision() async throws {
        let server = try await TestServer.start()
        for i in 0..<3 { _ = try await RealClients.etcdctl(server.endpoint, ["put", "h/\(i)", "v\(i)"]) }
        let watch = try ChildProcess(
            RealClients.etcdctl, ["--endpoints=\(server.endpoint)", "watch", "--prefix", "--rev=1", "h/"],
            environment: ["ETCDCTL_API": "3"])
        #expect(await watch.waitForOutput { $0.contains("h/2\nv2\n") })
        _ = try await RealClients.etcdctl(server.endpoint, ["put", "h/3", "v3"])
        #expect(await watch.waitForOutput { $0.contains("h/3\nv3\n") })
    }
}
