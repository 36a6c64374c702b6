import ProcessTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Raft
import Testing
@testable import Transport

/// Real sockets on 127.0.0.1, free ports.
@Suite("Peer transport over TCP", .serialized)
struct PeerTransportTests {
    /// Checks that `messages` from each sender carry commit values 0, 1, 2, … in order.
    func expectInOrder(_ messages: [Message], from senders: [NodeID], count: Int) {
        for sender in senders {
            let values = messages.filter { $0.from == sender }.map { message -> UInt64 in
                if case let .append(append) = message.payload { return append.commit }
                if case let .heartbeat(heartbeat) = message.payload { return heartbeat.commit }
                return .max
            }
            #expect(values == (0..<UInt64(count)).map { $0 }, "messages from \(sender) out of order or missing")
        }
    }

    @Test("two transports exchange 20,000 messages each way, in order, coalesced into few writes")
    func twoTransports() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.addPeer(2, address: address(of: b))
        b.addPeer(1, address: address(of: a))
        let count = 20_000
        let clock = ContinuousClock()
        let start = clock.now
        async let sendAB: Void = Task.detached {
            for base in stride(from: 0, to: count, by: 100) {  // batches, as a Ready's messages
                a.send((base..<base + 100).map { append(from: 1, to: 2, UInt64($0)) })
            }
        }.value
        async let sendBA: Void = Task.detached {
            for i in 0..<count { b.send(heartbeat(from: 2, to: 1, UInt64(i))) }  // one by one
        }.value
        _ = await (sendAB, sendBA)
        #expect(await eventually { inboxA.messageCount == count && inboxB.messageCount == count })
        let elapsed = clock.now - start
        expectInOrder(inboxB.messages, from: [1], count: count)
        expectInOrder(inboxA.messages, from: [2], count: count)
        // Coalescing: far fewer reads (delivered batches) than messages.
        #expect(inboxB.contents.batches < count / 4)
        print("two transports: \(2 * count) messages in \(elapsed), \(inboxB.contents.batches) + \(inboxA.contents.batches) delivered batches")
        #expect(inboxA.contents.unreachable.isEmpty && inboxB.contents.unreachable.isEmpty)
        await a.shutdown(); await b.shutdown()
    }

    @Test("three transports all send to each other, in order per sender")
    func threeTransports() async throws {
        let inboxes = [Inbox(), Inbox(), Inbox()]
        var transports: [PeerTransport] = []
        for i in 0..<3 { transports.append(try await makeTransport(member: NodeID(i + 1), inbox: inboxes[i])) }
        for i in 0..<3 {
            for j in 0..<3 where i != j { transports[i].addPeer(NodeID(j + 1), address: address(of: transports[j])) }
        }
        let count = 5000
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                let transport = transports[i]
                group.addTask {
                    for n in 0..<count {
                        let from = NodeID(i + 1)
                        // Both peers in one call: the transport splits them.
                        transport.send([1, 2, 3].filter { $0 != from }.map { append(from: from, to: $0, UInt64(n), bytes: n % 50) })
                    }
                }
            }
        }
        #expect(await eventually { inboxes.allSatisfy { $0.messageCount == 2 * count } })
        for i in 0..<3 {
            expectInOrder(inboxes[i].messages, from: [1, 2, 3].filter { $0 != NodeID(i + 1) }, count: count)
        }
        for transport in transports { await transport.shutdown() }
    }

    @Test("a peer that restarts is reconnected to, with unreachable reported meanwhile")
    func reconnect() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        // Below the ephemeral range: while b is down, no outgoing connection can take its port.
        let port = try FreePort.find()
        var b = try await makeTransport(member: 2, inbox: inboxB, port: port)
        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 0))
        #expect(await eventually { inboxB.messageCount == 1 })

        await b.shutdown()
        #expect(await eventually { !a.isConnected(to: 2) })
        for i in 1...20 { a.send(heartbeat(from: 1, to: 2, UInt64(i))) }  // dropped
        #expect(await eventually { inboxA.contents.unreachable.contains(2) })

        let inboxB2 = Inbox()
        b = try await makeTransport(member: 2, inbox: inboxB2, port: port)
        #expect(await eventually { a.isConnected(to: 2) })
        a.send(heartbeat(from: 1, to: 2, 100))
        #expect(await eventually { inboxB2.messages.contains(heartbeat(from: 1, to: 2, 100)) })
        await a.shutdown(); await b.shutdown()
    }

    @Test("a member of another cluster is refused with a clear log line on both sides")
    func wrongCluster() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(cluster: 0xAAAA, member: 1, inbox: inboxA)
        let b = try await makeTransport(cluster: 0xBBBB, member: 2, inbox: inboxB)
        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 0))
        #expect(await eventually { !inboxB.logs(containing: "cluster ID mismatch: local cluster bbbb, remote member's cluster aaaa").isEmpty })
        #expect(await eventually { !inboxA.logs(containing: "refused our connection: cluster ID mismatch").isEmpty })
        #expect(await eventually { inboxA.contents.unreachable.contains(2) })
        #expect(inboxB.messageCount == 0)
        #expect(!a.isConnected(to: 2))
        await a.shutdown(); await b.shutdown()
    }

    @Test("a connection meant for another member is refused")
    func wrongMember() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.addPeer(3, address: address(of: b))  // a's idea of member 3 points at member 2
        a.send(heartbeat(from: 1, to: 3, 0))
        #expect(await eventually { !inboxB.logs(containing: "connection meant for member 3 reached member 2").isEmpty })
        #expect(inboxB.messageCount == 0)
        await a.shutdown(); await b.shutdown()
    }

    /// Connects a raw NIO client, writes `bytes`, and waits for the listener to close the connection.
    func sendRaw(_ bytes: ByteBuffer, to port: Int) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(bytes)
        let closed = NIOLockedValueBox(false)
        channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
        return await eventually(timeout: .seconds(5)) { closed.withLockedValue { $0 } }
    }

    @Test("garbage, oversize and corrupt frames close the connection; the listener keeps working")
    func garbage() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let port = a.listeningPort!
        var rng = SeededGenerator(seed: 11)

        var oversize = ByteBuffer()
        oversize.writeInteger(UInt32.max); oversize.writeInteger(UInt32(0)); oversize.writeBytes([1, 2, 3])
        #expect(try await sendRaw(oversize, to: port))
        #expect(await eventually { !inboxA.logs(containing: "exceeds the limit").isEmpty })

        var hello = ByteBuffer()
        Hello(stream: .messages, clusterID: 0xC0C0, from: 2, to: 1).write(into: &hello)
        var corrupt = MessageFactory.frame(heartbeat(from: 2, to: 1, 1))
        corrupt.setInteger(UInt8(0xFF), at: corrupt.writerIndex - 1)
        var afterHello = hello
        afterHello.writeBuffer(&corrupt)
        #expect(try await sendRaw(afterHello, to: port))
        #expect(await eventually { !inboxA.logs(containing: "checksum mismatch").isEmpty })

        var messageFirst = MessageFactory.frame(heartbeat(from: 2, to: 1, 1))
        #expect(try await sendRaw(messageFirst, to: port))
        messageFirst.clear()

        for _ in 0..<20 {
            let junk = ByteBuffer(bytes: MessageFactory.randomBytes(&rng, max: 4000) + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
            _ = try await sendRaw(junk, to: port)
        }
        #expect(inboxA.messageCount == 0)

        // Still serving a real member.
        let b = try await makeTransport(member: 2, inbox: inboxB)
        b.addPeer(1, address: PeerAddress(host: "127.0.0.1", port: port))
        b.send(heartbeat(from: 2, to: 1, 7))
        #expect(await eventually { inboxA.messages == [heartbeat(from: 2, to: 1, 7)] })
        await a.shutdown(); await b.shutdown()
    }

    /// Answers the handshake, then never reads again.
    final class StalledPeer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = context.channel.allocator.buffer(capacity: 16)
            Verdict.accept.write(.helloReply, into: &buffer, limits: TransportLimits())
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        }
    }

    @Test("a peer that stops reading: the queue stays bounded in bytes and the peer is reported unreachable")
    func backpressure() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.socketOption(.so_rcvbuf), value: 64 << 10)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(StalledPeer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let inboxA = Inbox()
        let limit = 2 << 20
        let a = try await makeTransport(member: 1, inbox: inboxA) { configuration in
            configuration.limits.maxFrameBytes = 1 << 20
            configuration.limits.snapshotChunkBytes = 256 << 10
            configuration.limits.maxPendingBytesPerPeer = limit
            configuration.limits.writeBufferHighWaterMark = 512 << 10
            configuration.limits.writeBufferLowWaterMark = 128 << 10
        }
        a.addPeer(2, address: PeerAddress(host: "127.0.0.1", port: server.localAddress!.port!))
        #expect(await eventually { a.isConnected(to: 2) })
        var maxQueued = 0
        for i in 0..<4000 {  // 4000 × 16 KiB = 64 MiB offered
            a.send(append(from: 1, to: 2, UInt64(i), bytes: 16 << 10))
            maxQueued = max(maxQueued, a.queuedBytes(to: 2))
            if i % 100 == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(maxQueued <= limit)
        #expect(inboxA.contents.unreachable.contains(2))
        #expect(a.isConnected(to: 2))  // dropping messages is not dropping the connection
        print("backpressure: at most \(maxQueued) bytes queued of a \(limit)-byte limit; \(inboxA.contents.unreachable.count) unreachable reports")
        await a.shutdown()
        try await server.close()
    }

    @Test("a snapshot goes on its own connection while heartbeats keep flowing, and its outcome is reported")
    func snapshotBesideHeartbeats() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 0))
        #expect(await eventually { inboxB.messageCount == 1 })

        let data = (0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let snapshot = Message(from: 1, to: 2, term: 4, payload: .snapshot(Snapshot(
            metadata: SnapshotMetadata(index: 1000, term: 4, confState: ConfState(voters: [1, 2, 3], learners: [4])), data: data)))
        a.send(snapshot)
        var sent: UInt64 = 1
        while inboxA.contents.snapshotStatuses.isEmpty && sent < 20_000 {
            a.send(heartbeat(from: 1, to: 2, sent))
            sent += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(await eventually { inboxA.contents.snapshotStatuses.count == 1 })
        #expect(inboxA.contents.snapshotStatuses.first.map { $0.0 == 2 && $0.1 == .finished } == true)
        #expect(await eventually { inboxB.messageCount == Int(sent) + 1 })
        let received = inboxB.messages
        let snapshotPosition = try #require(received.firstIndex(of: snapshot))
        // Heartbeats sent after the snapshot started arrived before it finished.
        #expect(snapshotPosition > 1)
        let heartbeats = received.filter { if case .heartbeat = $0.payload { true } else { false } }
        expectInOrder(heartbeats, from: [1], count: Int(sent))
        print("snapshot: 24 MiB delivered with \(snapshotPosition - 1) heartbeats delivered during the transfer")
        await a.shutdown(); await b.shutdown()
    }

    @Test("a snapshot larger than the receiver's limit fails and is reported failed")
    func snapshotTooLarge() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB) { configuration in
            configuration.limits.maxFrameBytes = 2 << 20
            configuration.limits.snapshotChunkBytes = 256 << 10
            configuration.limits.maxSnapshotBytes = 2 << 20
        }
        a.addPeer(2, address: address(of: b))
        a.send(Message(from: 1, to: 2, term: 1, payload: .snapshot(Snapshot(metadata: SnapshotMetadata(index: 5, term: 1), data: [UInt8](repeating: 1, count: 3 << 20)))))
        #expect(await eventually { inboxA.contents.snapshotStatuses.count == 1 })
        #expect(inboxA.contents.snapshotStatuses.first?.1 == .failed)
        #expect(!inboxB.logs(containing: "snapshot size").isEmpty)
        #expect(inboxB.messageCount == 0)
        await a.shutdown(); await b.shutdown()
    }
}

/// Throughput between two transports on loopback, run only when asked:
/// `TRANSPORT_BENCH=1 swift test -c release -Xswiftc -enable-testing --skip-build --filter TransportThroughput`.
@Suite("Transport throughput", .serialized, .enabled(if: ProcessInfo.processInfo.environment["TRANSPORT_BENCH"] != nil))
struct TransportThroughput {
    func run(_ label: String, count: Int, batch: Int, message: @escaping @Sendable (Int) -> Message) async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 0))
        #expect(await eventually { inboxB.messageCount == 1 })
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0
        while sent < count {
            // Stay under the queue limit: a Raft leader is paced by its in-flight window the same way.
            if sent - inboxB.messageCount > 20_000 { await Task.yield(); continue }
            a.send((sent..<sent + batch).map(message))
            sent += batch
        }
        #expect(await eventually(timeout: .seconds(60)) { inboxB.messageCount == count + 1 })
        let seconds = Double((clock.now - start).components.attoseconds) / 1e18 + Double((clock.now - start).components.seconds)
        print("\(label): \(count) messages in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) messages/s, \(inboxB.contents.batches) delivered batches, \(inboxA.contents.unreachable.count) unreachable reports")
        await a.shutdown(); await b.shutdown()
    }

    @Test("heartbeats, one per send call")
    func heartbeats() async throws {
        try await run("heartbeats, batch 1", count: 1_000_000, batch: 1) { heartbeat(from: 1, to: 2, UInt64($0)) }
    }

    @Test("appends with one 256-byte entry, 64 per send call")
    func appends() async throws {
        try await run("appends 256 B, batch 64", count: 1_000_000, batch: 64) { append(from: 1, to: 2, UInt64($0), bytes: 256) }
    }
}

@Suite("Handshake timeouts", .serialized)
struct HandshakeTimeoutTests {
    @Test("a connection that never says hello is closed by the listener")
    func silentDialler() async throws {
        let inbox = Inbox()
        let a = try await makeTransport(member: 1, inbox: inbox) { $0.handshakeTimeout = .milliseconds(100) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: a.listeningPort!).get()
        let closed = NIOLockedValueBox(false)
        channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
        #expect(await eventually(timeout: .seconds(5)) { closed.withLockedValue { $0 } })
        #expect(!inbox.logs(containing: "no handshake in time").isEmpty)
        await a.shutdown()
    }

    @Test("a listener that never answers our hello is dropped and redialled, the peer reported unreachable")
    func silentListener() async throws {
        let accepted = NIOLockedValueBox(0)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 += 1 }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let inbox = Inbox()
        let a = try await makeTransport(member: 1, inbox: inbox) { $0.handshakeTimeout = .milliseconds(100) }
        a.addPeer(2, address: PeerAddress(host: "127.0.0.1", port: server.localAddress!.port!))
        #expect(await eventually { inbox.contents.unreachable.contains(2) && accepted.withLockedValue { $0 } >= 2 })
        #expect(!inbox.logs(containing: "did not answer our messages handshake in time").isEmpty)
        #expect(!a.isConnected(to: 2))
        await a.shutdown()
        try await server.close()
    }
}

@Suite("Peer bookkeeping", .serialized)
struct PeerBookkeepingTests {
    @Test("messages to an unknown or removed member are reported unreachable; a snapshot to one fails")
    func unknownPeers() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.send(heartbeat(from: 1, to: 9, 1))
        #expect(inboxA.contents.unreachable == [9])
        a.send(Message(from: 1, to: 9, term: 1, payload: .snapshot(Snapshot(metadata: SnapshotMetadata(index: 3, term: 1), data: [1]))))
        #expect(inboxA.contents.snapshotStatuses.map(\.1) == [.failed])

        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 1))
        #expect(await eventually { inboxB.messageCount == 1 })
        a.removePeer(2)
        a.send(heartbeat(from: 1, to: 2, 2))
        #expect(inboxA.contents.unreachable.last == 2)
        try await Task.sleep(for: .milliseconds(50))
        #expect(inboxB.messageCount == 1)
        await a.shutdown(); await b.shutdown()
    }

    @Test("a second snapshot to a peer while one is in flight fails at once; the first finishes")
    func oneSnapshotAtATime() async throws {
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA)
        let b = try await makeTransport(member: 2, inbox: inboxB)
        a.addPeer(2, address: address(of: b))
        func snapshot(_ index: UInt64) -> Message {
            Message(from: 1, to: 2, term: 1, payload: .snapshot(Snapshot(metadata: SnapshotMetadata(index: index, term: 1, confState: ConfState(voters: [1, 2])),
                                                                         data: [UInt8](repeating: 5, count: 8 << 20))))
        }
        a.send([snapshot(10), snapshot(11)])
        #expect(await eventually { inboxA.contents.snapshotStatuses.count == 2 })
        #expect(inboxA.contents.snapshotStatuses.map(\.1) == [.failed, .finished])
        #expect(inboxB.messages == [snapshot(10)])
        await a.shutdown(); await b.shutdown()
    }
}
