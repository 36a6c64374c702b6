import NIOCore
import Raft

/// What a listener does with the frames of one accepted connection, apart from any channel.
///
/// `awaitingHello` → `messages(peer)` or `snapshot(peer)` → (`done`). Anything else that arrives is
/// a protocol error: the connection is closed, nothing is delivered.
struct InboundConnectionStateMachine {
    enum State {
        case awaitingHello
        case messages(peer: NodeID)
        case snapshot(peer: NodeID, assembler: SnapshotAssembler)
        /// Refused, failed, or a snapshot delivered: nothing more is read.
        case done
    }

    enum Action {
        /// Accept the handshake: reply so.
        case accept(Hello)
        /// A joining member asks for the member list: accept, answer with it, close.
        case answerMembers
        /// Refuse the handshake: reply with the reason, log it, close.
        case refuse(Hello, HandshakeRefusal)
        /// One message for the local member.
        case deliver(Message)
        /// A snapshot chunk was taken; more to come.
        case none
        /// The whole snapshot arrived: deliver it, acknowledge, close.
        case deliverSnapshot(Message)
        /// The peer broke the protocol: log, close.
        case fail(PeerProtocolError)
    }

    let clusterID: UInt64
    let localID: NodeID
    let limits: TransportLimits
    /// Members removed from the cluster: refused at the handshake, and cut off mid-connection.
    let isRemoved: @Sendable (NodeID) -> Bool
    private(set) var state: State = .awaitingHello

    init(clusterID: UInt64, localID: NodeID, limits: TransportLimits, isRemoved: @escaping @Sendable (NodeID) -> Bool = { _ in false }) {
        self.clusterID = clusterID
        self.localID = localID
        self.limits = limits
        self.isRemoved = isRemoved
    }

    /// The member on the other side, once it has said who it is.
    var peer: NodeID? {
        switch state {
        case let .messages(peer), let .snapshot(peer, _): return peer
        case .awaitingHello, .done: return nil
        }
    }

    mutating func receive(_ frame: Frame) -> Action {
        do throws(PeerProtocolError) {
            return try step(frame)
        } catch {
            state = .done
            return .fail(error)
        }
    }

    private mutating func step(_ frame: Frame) throws(PeerProtocolError) -> Action {
        switch state {
        case .awaitingHello:
            guard frame.kind == .hello else { throw .unexpectedFrame("\(frame.kind) before the handshake") }
            let hello = try Hello(decoding: frame.payload)
            if hello.stream == .members {
                state = .done
                guard hello.clusterID == clusterID else { return .refuse(hello, .clusterMismatch(local: clusterID, remote: hello.clusterID)) }
                return .answerMembers
            }
            if let refusal = HandshakeRefusal.check(hello, clusterID: clusterID, localID: localID, isRemoved: isRemoved) {
                state = .done
                return .refuse(hello, refusal)
            }
            switch hello.stream {
            case .messages: state = .messages(peer: hello.from)
            case .snapshot: state = .snapshot(peer: hello.from, assembler: SnapshotAssembler(limit: limits.maxSnapshotBytes))
            case .members: preconditionFailure("answered above")
            }
            return .accept(hello)

        case let .messages(peer):
            guard frame.kind == .message else { throw .unexpectedFrame("\(frame.kind) on a message stream") }
            var payload = frame.payload
            let message = try MessageCodec.decode(&payload, limits: limits)
            try check(message, from: peer)
            if case .snapshot = message.payload { throw .unexpectedFrame("snapshot on a message stream") }
            return .deliver(message)

        case .snapshot(let peer, var assembler):
            guard frame.kind == .snapshotChunk else { throw .unexpectedFrame("\(frame.kind) on a snapshot stream") }
            let chunk = try SnapshotChunk(decoding: frame.payload)
            state = .done  // while `assembler` is out of the enum: no copy of the received bytes
            guard var encoded = try assembler.receive(chunk) else {
                state = .snapshot(peer: peer, assembler: assembler)
                return .none
            }
            let message = try MessageCodec.decode(&encoded, limits: limits)
            try check(message, from: peer)
            guard case .snapshot = message.payload else { throw .unexpectedFrame("a snapshot stream carried \(message.payload)") }
            return .deliverSnapshot(message)

        case .done:
            throw .unexpectedFrame("\(frame.kind) after the stream ended")
        }
    }

    /// A message must come from the member that shook hands and be meant for us.
    private func check(_ message: Message, from peer: NodeID) throws(PeerProtocolError) {
        guard message.from == peer else { throw .invalidMember(field: "message.from", value: message.from) }
        guard message.to == localID else { throw .invalidMember(field: "message.to", value: message.to) }
        guard !isRemoved(peer) else { throw .invalidMember(field: "removed member", value: peer) }
    }
}
