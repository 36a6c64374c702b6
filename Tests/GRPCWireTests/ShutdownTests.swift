import EtcdAPI
import Foundation
import GRPCWire
import NIOCore
import NIOPosix
import Testing

/// Graceful shutdown: SIGTERM makes the server send GOAWAY, let calls in flight go on for the
/// grace period, then close.
@Suite("Graceful shutdown with GOAWAY", .serialized)
struct ShutdownTests {
    @Test("after SIGTERM an open watch still gets events, new calls are refused, and the server exits after the grace period")
    func goAway() async throws {
        let server = try await TestServer.start(["--shutdown-grace-seconds", "2"])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [server.endpoint]), group: group)
        let watch = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self)
        try watch.send(GRPCClientTests.watchCreate("g/", end: "g0"))
        var responses = watch.responses.makeAsyncIterator()
        #expect(try await responses.next()?.created == true)

        let started = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        // GOAWAY reaches the client: a new call on this connection is refused as UNAVAILABLE
        // (never sent, so safe to retry elsewhere).
        var refused = false
        for _ in 0..<50 where !refused {
            do {
                let _: Etcdserverpb_RangeResponse = try await client.unary(
                    "/etcdserverpb.KV/Range", GRPCClientTests.range("g/"), timeout: .seconds(1))
                try await Task.sleep(for: .milliseconds(20))
            } catch let status as GRPCStatus {
                refused = status.code == .unavailable
            }
        }
        #expect(refused, "no GOAWAY seen")
        // The watch stays open during the grace period, then the connection closes.
        await #expect {
            while try await responses.next() != nil {}
        } throws: { ($0 as? GRPCStatus)?.code == .unavailable }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(1500), "closed after \(waited), before the grace period")
        #expect(await server.process.waitForExit(timeout: .seconds(10)) == 0)
        #expect(server.process.standardOutput.contains("stopped"))
        try await group.shutdownGracefully()
    }

    @Test("a client with two endpoints keeps every unary call succeeding while one server shuts down")
    func failoverDuringShutdown() async throws {
        let leaving = try await TestServer.start(["--shutdown-grace-seconds", "2"])
        let staying = try await TestServer.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [leaving.endpoint, staying.endpoint]), group: group)
        // Calls in flight all the time, across the SIGTERM and the GOAWAY.
        let failures = try await withThrowingTaskGroup(of: [String].self) { tasks in
            for worker in 0..<8 {
                tasks.addTask {
                    var failures: [String] = []
                    for i in 0..<150 {
                        do {
                            let _: Etcdserverpb_PutResponse = try await client.unary(
                                "/etcdserverpb.KV/Put", GRPCClientTests.put("f/\(worker)-\(i)", "v"), timeout: .seconds(5))
                        } catch {
                            failures.append("\(error)")
                        }
                    }
                    return failures
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            kill(leaving.process.processIdentifier, SIGTERM)
            return try await tasks.reduce([], +)
        }
        #expect(failures.isEmpty, "\(failures.count) of 1,200 calls failed, e.g. \(failures.prefix(3))")
        #expect(await leaving.process.waitForExit(timeout: .seconds(10)) == 0)
        await client.close()
        try await group.shutdownGracefully()
    }
}
