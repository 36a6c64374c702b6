import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Raft
@testable import Transport

/// A seeded generator (SplitMix64), so that every random test replays from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random messages of every payload type, with sizes and values at the edges.
enum MessageFactory {
    static func randomValue(_ rng: inout SeededGenerator) -> UInt64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return UInt64.random(in: 0..<128, using: &rng)
        case 1: return UInt64.random(in: 0..<(1 << 20), using: &rng)
        case 2: return UInt64.max - UInt64.random(in: 0..<3, using: &rng)
        default: return UInt64.random(in: 0...UInt64.max, using: &rng)
        }
    }

    static func randomBytes(_ rng: inout SeededGenerator, max: Int) -> [UInt8] {
        (0..<Int.random(in: 0...max, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func randomID(_ rng: inout SeededGenerator) -> NodeID {
        Bool.random(using: &rng) ? NodeID.random(in: 1...7, using: &rng) : NodeID.random(in: 1...UInt64.max, using: &rng)
    }

    static func randomEntries(_ rng: inout SeededGenerator) -> [Entry] {
        (0..<Int.random(in: 0...6, using: &rng)).map { _ in
            Entry(term: randomValue(&rng), index: randomValue(&rng),
                  kind: Bool.random(using: &rng) ? .normal : .configChange, data: randomBytes(&rng, max: 300))
        }
    }

    static func randomPayload(_ rng: inout SeededGenerator, tag: Int) -> Message.Payload {
        switch tag {
        case 0: return .append(Append(prevIndex: randomValue(&rng), prevTerm: randomValue(&rng), entries: randomEntries(&rng), commit: randomValue(&rng)))
        case 1: return .appendResponse(AppendResponse(index: randomValue(&rng), reject: Bool.random(using: &rng), hintIndex: randomValue(&rng), hintTerm: randomValue(&rng)))
        case 2: return .heartbeat(Heartbeat(commit: randomValue(&rng), readRound: randomValue(&rng)))
        case 3: return .heartbeatResponse(HeartbeatResponse(readRound: randomValue(&rng)))
        case 4: return .vote(VoteRequest(preVote: Bool.random(using: &rng), lastIndex: randomValue(&rng), lastTerm: randomValue(&rng), transfer: Bool.random(using: &rng)))
        case 5: return .voteResponse(VoteResponse(preVote: Bool.random(using: &rng), granted: Bool.random(using: &rng)))
        case 6:
            let voters = (0..<Int.random(in: 0...5, using: &rng)).map { _ in randomID(&rng) }
            let learners = (0..<Int.random(in: 0...2, using: &rng)).map { _ in randomID(&rng) }
            return .snapshot(Snapshot(metadata: SnapshotMetadata(index: randomValue(&rng), term: randomValue(&rng), confState: ConfState(voters: voters, learners: learners)),
                                      data: randomBytes(&rng, max: 2000)))
        case 7: return .timeoutNow
        case 8: return .propose(randomEntries(&rng))
        case 9: return .readIndex(context: randomBytes(&rng, max: 40))
        default: return .readIndexResponse(ReadState(index: randomValue(&rng), context: randomBytes(&rng, max: 40)))
        }
    }

    static let payloadKinds = 11

    static func random(_ rng: inout SeededGenerator, tag: Int? = nil) -> Message {
        Message(from: randomID(&rng), to: randomID(&rng), term: randomValue(&rng),
                payload: randomPayload(&rng, tag: tag ?? Int.random(in: 0..<payloadKinds, using: &rng)))
    }

    static func encoded(_ message: Message) -> ByteBuffer {
        var buffer = ByteBuffer()
        MessageCodec.encode(message, into: &buffer)
        return buffer
    }

    static func frame(_ message: Message) -> ByteBuffer {
        var buffer = ByteBuffer()
        Frame.write(.message, into: &buffer) { MessageCodec.encode(message, into: &$0) }
        return buffer
    }
}

/// Collects what a transport delivers and reports, from any thread.
final class Inbox: Sendable {
    private let box = NIOLockedValueBox(Contents())

    struct Contents {
        var messages: [Message] = []
        var unreachable: [NodeID] = []
        var snapshotStatuses: [(NodeID, SnapshotStatus)] = []
        var logs: [(TransportLogLevel, String)] = []
        var batches = 0
    }

    var callbacks: PeerTransportCallbacks {
        PeerTransportCallbacks(
            onMessages: { messages in self.box.withLockedValue { $0.messages += messages; $0.batches += 1 } },
            onUnreachable: { id in self.box.withLockedValue { $0.unreachable.append(id) } },
            onSnapshotStatus: { id, status in self.box.withLockedValue { $0.snapshotStatuses.append((id, status)) } },
            log: { level, line in self.box.withLockedValue { $0.logs.append((level, line)) } })
    }

    var contents: Contents { box.withLockedValue { $0 } }
    var messages: [Message] { box.withLockedValue { $0.messages } }
    var messageCount: Int { box.withLockedValue { $0.messages.count } }

    func logs(containing text: String) -> [String] {
        box.withLockedValue { $0.logs.map(\.1).filter { $0.contains(text) } }
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A transport on 127.0.0.1 with a free port.
func makeTransport(cluster: UInt64 = 0xC0C0, member: NodeID, inbox: Inbox, tls: PeerTLSConfiguration? = nil,
                   port: Int = 0, configure: (inout PeerTransportConfiguration) -> Void = { _ in }) async throws -> PeerTransport {
    var configuration = PeerTransportConfiguration(clusterID: cluster, memberID: member, listenHost: "127.0.0.1", listenPort: port, tls: tls,
                                                   backoff: ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200)),
                                                   connectTimeout: .seconds(2), handshakeTimeout: .seconds(2))
    configure(&configuration)
    let transport = try PeerTransport(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, callbacks: inbox.callbacks)
    try await transport.start()
    return transport
}

func address(of transport: PeerTransport) -> PeerAddress {
    PeerAddress(host: "127.0.0.1", port: transport.listeningPort!)
}

func heartbeat(from: NodeID, to: NodeID, _ n: UInt64) -> Message {
    Message(from: from, to: to, term: 1, payload: .heartbeat(Heartbeat(commit: n)))
}

func append(from: NodeID, to: NodeID, _ n: UInt64, bytes: Int = 16) -> Message {
    Message(from: from, to: to, term: 1, payload: .append(Append(prevIndex: n, prevTerm: 1,
        entries: [Entry(term: 1, index: n + 1, data: [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: bytes))], commit: n)))
}
