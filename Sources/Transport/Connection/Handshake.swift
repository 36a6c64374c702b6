import NIOCore
import Raft

/// What kind of traffic a connection carries. Snapshots travel on their own connection so that
/// heartbeats and appends are never queued behind megabytes of snapshot data.
enum StreamKind: UInt8, Sendable {
    case messages = 1
    case snapshot = 2
    /// A joining member that does not know its own ID yet asks for the member list
    /// (`MembershipQuery`); `from` and `to` are 0.
    case members = 3
}

/// The first frame of every connection, from the member that dialled:
/// streamKind:u8 clusterID:u64be from:u64be to:u64be.
struct Hello: Equatable, Sendable {
    var stream: StreamKind
    var clusterID: UInt64
    /// The dialling member.
    var from: NodeID
    /// The member the dialler means to reach.
    var to: NodeID

    static let payloadBytes = 1 + 3 * 8

    func write(into buffer: inout ByteBuffer) {
        Frame.write(.hello, into: &buffer) { payload in
            payload.writeInteger(stream.rawValue)
            payload.writeInteger(clusterID)
            payload.writeInteger(from)
            payload.writeInteger(to)
        }
    }

    init(stream: StreamKind, clusterID: UInt64, from: NodeID, to: NodeID) {
        self.stream = stream
        self.clusterID = clusterID
        self.from = from
        self.to = to
    }

    init(decoding payload: ByteBuffer) throws(PeerProtocolError) {
        var payload = payload
        guard payload.readableBytes == Self.payloadBytes else {
            if payload.readableBytes < Self.payloadBytes { throw .truncated(field: "hello") }
            throw .trailingBytes(count: payload.readableBytes - Self.payloadBytes)
        }
        let rawStream: UInt8 = payload.readInteger()!
        guard let stream = StreamKind(rawValue: rawStream) else { throw .unknownStreamKind(rawStream) }
        self.init(stream: stream, clusterID: payload.readInteger()!, from: payload.readInteger()!, to: payload.readInteger()!)
    }
}

/// Why a listener refuses a connection.
public enum HandshakeRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dialler belongs to another cluster (another `--initial-cluster-token`).
    case clusterMismatch(local: UInt64, remote: UInt64)
    /// The dialler meant to reach another member (its peer URL points at us by mistake).
    case wrongMember(local: NodeID, expected: NodeID)
    /// The dialler claims to be no member, or to be us.
    case invalidSender(NodeID)
    /// The dialler was removed from the cluster: it is refused for good (etcd's peers answer
    /// such a member "410 Gone"), and told so, so that it stops.
    case removedMember(NodeID)

    public var description: String {
        switch self {
        case let .clusterMismatch(local, remote):
            return "cluster ID mismatch: local cluster \(hex(local)), remote member's cluster \(hex(remote))"
        case let .wrongMember(local, expected):
            return "connection meant for member \(hex(expected)) reached member \(hex(local))"
        case let .invalidSender(id):
            return "invalid sender member id \(hex(id))"
        case let .removedMember(id):
            return "member \(hex(id)) has been permanently removed from the cluster"
        }
    }

    /// A listener's decision on a `Hello`: nil to accept.
    static func check(_ hello: Hello, clusterID: UInt64, localID: NodeID, isRemoved: (NodeID) -> Bool = { _ in false }) -> HandshakeRefusal? {
        if hello.clusterID != clusterID { return .clusterMismatch(local: clusterID, remote: hello.clusterID) }
        if hello.to != localID { return .wrongMember(local: localID, expected: hello.to) }
        if hello.from == noNode || hello.from == localID { return .invalidSender(hello.from) }
        if isRemoved(hello.from) { return .removedMember(hello.from) }
        return nil
    }
}

/// The listener's answer to `Hello`: status:u8 (0 accepted, 1 refused, 2 refused because the
/// dialler was removed from the cluster) reason:bytes.
/// The same shape answers a snapshot (`SnapshotAck`: 0 installed-and-delivered, 1 failed).
struct Verdict: Equatable, Sendable {
    var accepted: Bool
    var reason: String
    /// A refusal because the dialler is no longer a member (status 2).
    var removed = false

    static let accept = Verdict(accepted: true, reason: "")

    func write(_ kind: Frame.Kind, into buffer: inout ByteBuffer, limits: TransportLimits) {
        Frame.write(kind, into: &buffer) { payload in
            payload.writeInteger(accepted ? 0 as UInt8 : removed ? 2 : 1)
            payload.writeLengthPrefixed(Array(reason.utf8.prefix(limits.maxReasonBytes)))
        }
    }

    init(accepted: Bool, reason: String, removed: Bool = false) {
        self.accepted = accepted
        self.reason = reason
        self.removed = removed
    }

    init(decoding payload: ByteBuffer, limits: TransportLimits) throws(PeerProtocolError) {
        var payload = payload
        let status = try payload.readByte("verdict.status")
        guard status <= 2 else { throw .unexpectedFrame("verdict status \(status)") }
        let reason = try payload.readLengthPrefixed("verdict.reason", limit: limits.maxReasonBytes)
        guard payload.readableBytes == 0 else { throw .trailingBytes(count: payload.readableBytes) }
        self.init(accepted: status == 0, reason: String(decoding: reason, as: UTF8.self), removed: status == 2)
    }
}
