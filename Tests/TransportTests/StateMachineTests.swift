import NIOCore
import Raft
import Testing
@testable import Transport

@Suite("Connection state machines")
struct StateMachineTests {
    @Test("backoff doubles from its initial delay and stops at the cap")
    func backoff() {
        let backoff = ReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2))
        #expect((0..<8).map { backoff.delay(afterFailures: $0) } ==
                [50, 100, 200, 400, 800, 1600, 2000, 2000].map { TimeAmount.milliseconds($0) })
        #expect(backoff.delay(afterFailures: 1000) == .seconds(2))
    }

    @Test("outbound: queue while connecting, drop while backing off, reset backoff on success")
    func outbound() {
        var machine = OutboundConnectionStateMachine(backoff: ReconnectBackoff(initial: .milliseconds(10), maximum: .milliseconds(40)))
        #expect(!machine.queuesMessages)
        #expect(machine.start() == .connect)
        #expect(machine.queuesMessages)
        #expect(machine.connectionLost() == .dropAndReconnect(after: .milliseconds(10)))
        #expect(!machine.queuesMessages)
        #expect(machine.connectionLost() == .none)  // a stale second report
        #expect(machine.reconnectTimerFired() == .connect)
        #expect(machine.connectionLost() == .dropAndReconnect(after: .milliseconds(20)))
        #expect(machine.reconnectTimerFired() == .connect)
        #expect(machine.handshakeAccepted() == .flush)
        #expect(machine.failures == 0)
        #expect(machine.connectionLost() == .dropAndReconnect(after: .milliseconds(10)))
        #expect(machine.stop() == .close)
        #expect(machine.reconnectTimerFired() == .none)
        #expect(!machine.queuesMessages)
    }

    func helloFrame(_ hello: Hello) throws -> Frame {
        var buffer = ByteBuffer()
        hello.write(into: &buffer)
        return try #require(try FrameDecoder.decodeFrame(&buffer, maxFrameBytes: 1024))
    }

    @Test("inbound: a member of another cluster, a connection for another member, or a sender claiming to be us is refused")
    func refusals() throws {
        let cases: [(Hello, HandshakeRefusal)] = [
            (Hello(stream: .messages, clusterID: 9, from: 2, to: 1), .clusterMismatch(local: 7, remote: 9)),
            (Hello(stream: .messages, clusterID: 7, from: 2, to: 3), .wrongMember(local: 1, expected: 3)),
            (Hello(stream: .messages, clusterID: 7, from: 1, to: 1), .invalidSender(1)),
            (Hello(stream: .snapshot, clusterID: 7, from: 0, to: 1), .invalidSender(0)),
        ]
        for (hello, refusal) in cases {
            var machine = InboundConnectionStateMachine(clusterID: 7, localID: 1, limits: TransportLimits())
            guard case let .refuse(_, actual) = machine.receive(try helloFrame(hello)) else {
                Issue.record("\(hello) was not refused"); continue
            }
            #expect(actual == refusal)
            guard case .fail = machine.receive(Frame(kind: .message, payload: MessageFactory.encoded(heartbeat(from: 2, to: 1, 1)))) else {
                Issue.record("a refused connection delivered a message"); continue
            }
        }
    }

    @Test("inbound: messages before the handshake, from someone else, or a snapshot on the message stream fail the connection")
    func inboundProtocol() throws {
        var early = InboundConnectionStateMachine(clusterID: 7, localID: 1, limits: TransportLimits())
        guard case .fail(.unexpectedFrame) = early.receive(Frame(kind: .message, payload: MessageFactory.encoded(heartbeat(from: 2, to: 1, 1)))) else {
            Issue.record("message before hello accepted"); return
        }
        var machine = InboundConnectionStateMachine(clusterID: 7, localID: 1, limits: TransportLimits())
        guard case .accept = machine.receive(try helloFrame(Hello(stream: .messages, clusterID: 7, from: 2, to: 1))) else {
            Issue.record("hello refused"); return
        }
        guard case let .deliver(message) = machine.receive(Frame(kind: .message, payload: MessageFactory.encoded(heartbeat(from: 2, to: 1, 1)))) else {
            Issue.record("message refused"); return
        }
        #expect(message == heartbeat(from: 2, to: 1, 1))
        guard case .fail(.invalidMember(field: "message.from", value: 3)) = machine.receive(
            Frame(kind: .message, payload: MessageFactory.encoded(heartbeat(from: 3, to: 1, 1)))) else {
            Issue.record("spoofed sender accepted"); return
        }
    }

    @Test("snapshot chunks reassemble in order, within the size limit")
    func snapshotAssembly() throws {
        let message = Message(from: 2, to: 1, term: 3, payload: .snapshot(Snapshot(
            metadata: SnapshotMetadata(index: 10, term: 3, confState: ConfState(voters: [1, 2, 3])),
            data: (0..<10_000).map { UInt8(truncatingIfNeeded: $0) })))
        let encoded = MessageFactory.encoded(message)
        let chunks = SnapshotChunk.split(encoded, chunkBytes: 1000)
        #expect(chunks.count == (encoded.readableBytes + 999) / 1000)

        var machine = InboundConnectionStateMachine(clusterID: 7, localID: 1, limits: TransportLimits())
        guard case .accept = machine.receive(try helloFrame(Hello(stream: .snapshot, clusterID: 7, from: 2, to: 1))) else {
            Issue.record("hello refused"); return
        }
        for (i, chunk) in chunks.enumerated() {
            var buffer = ByteBuffer()
            chunk.write(into: &buffer)
            let frame = try #require(try FrameDecoder.decodeFrame(&buffer, maxFrameBytes: 4096))
            switch machine.receive(frame) {
            case .none: #expect(i < chunks.count - 1)
            case let .deliverSnapshot(delivered): #expect(i == chunks.count - 1); #expect(delivered == message)
            default: Issue.record("chunk \(i) refused")
            }
        }

        var small = SnapshotAssembler(limit: 100)
        #expect(throws: PeerProtocolError.limitExceeded(field: "snapshot size", value: UInt64(encoded.readableBytes), limit: 100)) {
            try small.receive(chunks[0])
        }
        var outOfOrder = SnapshotAssembler(limit: 1 << 20)
        _ = try outOfOrder.receive(chunks[0])
        #expect(throws: PeerProtocolError.self) { try outOfOrder.receive(chunks[2]) }
    }
}
