import ProcessTestSupport
import EtcdAPI
import Foundation
import GRPCWire
import NIOCore
import NIOPosix
import Testing

/// GRPCWire's client against real etcd 3.4 (a grpc-go server) and against GRPCWire's own server.
@Suite("GRPCWire client", .serialized)
struct GRPCClientTests {
    static func put(_ key: String, _ value: String) -> Etcdserverpb_PutRequest {
        var request = Etcdserverpb_PutRequest()
        request.key = Data(key.utf8)
        request.value = Data(value.utf8)
        return request
    }

    static func range(_ key: String, end: String = "") -> Etcdserverpb_RangeRequest {
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(key.utf8)
        request.rangeEnd = Data(end.utf8)
        return request
    }

    static func watchCreate(_ key: String, end: String) -> Etcdserverpb_WatchRequest {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = Data(key.utf8)
        create.rangeEnd = Data(end.utf8)
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        return request
    }

    @Test("Put and Range against etcd 3.4; etcd's error text comes back as the status")
    func putRangeAgainstEtcd() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [etcd.endpoint]), group: group)
        let first: Etcdserverpb_PutResponse = try await client.unary(
            "/etcdserverpb.KV/Put", Self.put("alpha", "one"), timeout: .seconds(10))
        let second: Etcdserverpb_PutResponse = try await client.unary(
            "/etcdserverpb.KV/Put", Self.put("beta", "two"), timeout: .seconds(10))
        #expect(second.header.revision == first.header.revision + 1)
        let range: Etcdserverpb_RangeResponse = try await client.unary(
            "/etcdserverpb.KV/Range", Self.range("a", end: "c"), timeout: .seconds(10))
        #expect(range.kvs.map { String(decoding: $0.value, as: UTF8.self) } == ["one", "two"])
        #expect(range.count == 2)
        await #expect(throws: GRPCStatus(.invalidArgument, "etcdserver: key is not provided")) {
            let _: Etcdserverpb_PutResponse = try await client.unary("/etcdserverpb.KV/Put", Self.put("", "x"))
        }
        await #expect(throws: GRPCStatus(.unimplemented, "unknown service etcdserverpb.Nope")) {
            let _: Etcdserverpb_PutResponse = try await client.unary("/etcdserverpb.Nope/Put", Self.put("k", "v"))
        }
        await client.close()
        try await group.shutdownGracefully()
    }

    /// grpc-go answers requests with BDP PINGs too: with swift-nio-http2's default control-frame
    /// limit this client would refuse etcd's connection after ~200 responses.
    @Test("a watch on etcd 3.4 receives 3,000 events while 3,000 Puts go over the same connection")
    func watchAgainstEtcd() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [etcd.endpoint]), group: group)
        let watch = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self, metadata: ["hasleader": "true"])
        try watch.send(Self.watchCreate("w/", end: "w0"))
        var responses = watch.responses.makeAsyncIterator()
        let created = try await responses.next()
        #expect(created?.created == true)
        let count = 3000
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for batch in 0..<30 {
                tasks.addTask {
                    for i in 0..<(count / 30) {
                        let _: Etcdserverpb_PutResponse = try await client.unary(
                            "/etcdserverpb.KV/Put", Self.put("w/\(batch)-\(i)", "v"), timeout: .seconds(30))
                    }
                }
            }
            try await tasks.waitForAll()
        }
        var seen = 0
        while seen < count, let response = try await responses.next() { seen += response.events.count }
        #expect(seen == count)
        watch.cancel()
        await client.close()
        try await group.shutdownGracefully()
    }

    @Test("several endpoints: calls go to the live one when another refuses connections")
    func severalEndpoints() async throws {
        let server = try await TestServer.start()
        let dead = "127.0.0.1:\(try FreePort.find())"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [dead, server.endpoint, dead]), group: group)
        for i in 0..<20 {
            let _: Etcdserverpb_PutResponse = try await client.unary(
                "/etcdserverpb.KV/Put", Self.put("k\(i)", "v"), timeout: .seconds(5))
        }
        let range: Etcdserverpb_RangeResponse = try await client.unary(
            "/etcdserverpb.KV/Range", Self.range("k", end: "l"), timeout: .seconds(5))
        #expect(range.count == 20)
        let onlyDead = try GRPCClient(.init(endpoints: [dead]), group: group)
        await #expect {
            let _: Etcdserverpb_RangeResponse = try await onlyDead.unary("/etcdserverpb.KV/Range", Self.range("k"))
        } throws: { ($0 as? GRPCStatus)?.code == .unavailable }
        await client.close()
        try await group.shutdownGracefully()
    }

    @Test("a deadline ends a watch with DEADLINE_EXCEEDED; cancel ends one with CANCELLED")
    func deadlineAndCancel() async throws {
        let server = try await TestServer.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [server.endpoint]), group: group)
        let timed = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self, timeout: .milliseconds(300))
        try timed.send(Self.watchCreate("d/", end: "d0"))
        await #expect {
            for try await _ in timed.responses {}
        } throws: { ($0 as? GRPCStatus)?.code == .deadlineExceeded }

        let cancelled = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self)
        try cancelled.send(Self.watchCreate("c/", end: "c0"))
        var responses = cancelled.responses.makeAsyncIterator()
        #expect(try await responses.next()?.created == true)
        cancelled.cancel()
        await #expect {
            while try await responses.next() != nil {}
        } throws: { ($0 as? GRPCStatus)?.code == .cancelled }
        // Both watches are gone on the server too.
        let metrics = try await ChildProcess.run("/usr/bin/curl", ["-s", "http://\(server.endpoint)/metrics"])
        #expect(metrics.output.contains("grpcwire_test_watch_streams 0"), "\(metrics.output)")

        // Half-closing the requests ends the watch cleanly (the server finishes with OK).
        let closing = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self)
        try closing.send(Self.watchCreate("h/", end: "h0"))
        closing.finishSending()
        var created = 0
        for try await response in closing.responses where response.created { created += 1 }
        #expect(created == 1)
        await client.close()
        try await group.shutdownGracefully()
    }

    @Test("a short deadline that arrives after a long one on the same connection still ends its call; the long one lives on")
    func earlierDeadlineAfterLaterOne() async throws {
        let server = try await TestServer.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try GRPCClient(.init(endpoints: [server.endpoint]), group: group)
        let long = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self, timeout: .seconds(120))
        try long.send(Self.watchCreate("l/", end: "l0"))
        var longResponses = long.responses.makeAsyncIterator()
        #expect(try await longResponses.next()?.created == true)

        let started = ContinuousClock.now
        let short = try await client.stream(
            "/etcdserverpb.Watch/Watch", requestType: Etcdserverpb_WatchRequest.self,
            responseType: Etcdserverpb_WatchResponse.self, timeout: .milliseconds(300))
        try short.send(Self.watchCreate("s/", end: "s0"))
        await #expect {
            for try await _ in short.responses {}
        } throws: { ($0 as? GRPCStatus)?.code == .deadlineExceeded }
        // Ended by its own deadline, not by the long call's (two minutes away).
        #expect(ContinuousClock.now - started < .seconds(60))

        try long.send(Self.watchCreate("l2/", end: "l20"))
        #expect(try await longResponses.next()?.created == true)
        long.cancel()
        await client.close()
        try await group.shutdownGracefully()
    }

    @Test("the client over TLS and mutual TLS; the server refuses it without a certificate")
    func tls() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TestServer.start([
            "--cert-file", certificates.serverCertificate, "--key-file", certificates.serverKey,
            "--trusted-ca-file", certificates.ca, "--client-cert-auth",
        ])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let withCertificate = try GRPCClient(
            .init(
                endpoints: [server.endpoint],
                tls: GRPCTLSFiles(
                    certificateFile: certificates.clientCertificate, keyFile: certificates.clientKey,
                    trustedCAFile: certificates.ca)), group: group)
        let put: Etcdserverpb_PutResponse = try await withCertificate.unary(
            "/etcdserverpb.KV/Put", Self.put("tls", "yes"), timeout: .seconds(5))
        #expect(put.header.revision == 2)
        let withoutCertificate = try GRPCClient(
            .init(endpoints: [server.endpoint], tls: GRPCTLSFiles(trustedCAFile: certificates.ca)), group: group)
        await #expect {
            let _: Etcdserverpb_PutResponse = try await withoutCertificate.unary(
                "/etcdserverpb.KV/Put", Self.put("tls", "no"), timeout: .seconds(5))
        } throws: { ($0 as? GRPCStatus)?.code == .unavailable }
        await withCertificate.close()
        try await group.shutdownGracefully()
    }
}
