/// Why bytes from a peer were refused. Every case is something a peer can cause; none of them is
/// a crash. The connection that carried them is closed.
public enum PeerProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame header announced a body larger than `TransportLimits.maxFrameBytes`.
    case frameTooLarge(length: Int, limit: Int)
    /// A frame body shorter than its fixed part (version and kind).
    case frameTooShort(length: Int)
    case checksumMismatch(expected: UInt32, actual: UInt32)
    case unsupportedVersion(UInt8)
    case unknownFrameKind(UInt8)
    /// The body ended before `field` was complete.
    case truncated(field: String)
    /// A variable-length integer longer than 10 bytes or larger than 64 bits.
    case malformedVarint(field: String)
    case limitExceeded(field: String, value: UInt64, limit: Int)
    case unknownPayloadTag(UInt8)
    case unknownEntryKind(UInt8)
    case unknownStreamKind(UInt8)
    /// A field that must name a member was 0 ("no member"), or named the wrong member.
    case invalidMember(field: String, value: UInt64)
    /// Bytes left over after a complete message.
    case trailingBytes(count: Int)
    /// A frame that has no place in the connection's current state (a message before the
    /// handshake, a second handshake, a chunk at the wrong offset).
    case unexpectedFrame(String)

    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit): return "frame of \(length) bytes exceeds the limit of \(limit)"
        case let .frameTooShort(length): return "frame of \(length) bytes is shorter than its header"
        case let .checksumMismatch(expected, actual):
            return "frame checksum mismatch (header says \(hex(expected)), body has \(hex(actual)))"
        case let .unsupportedVersion(version): return "unsupported peer protocol version \(version)"
        case let .unknownFrameKind(kind): return "unknown frame kind \(kind)"
        case let .truncated(field): return "message truncated in \(field)"
        case let .malformedVarint(field): return "malformed integer in \(field)"
        case let .limitExceeded(field, value, limit): return "\(field) of \(value) exceeds the limit of \(limit)"
        case let .unknownPayloadTag(tag): return "unknown message type \(tag)"
        case let .unknownEntryKind(kind): return "unknown entry kind \(kind)"
        case let .unknownStreamKind(kind): return "unknown stream kind \(kind)"
        case let .invalidMember(field, value): return "invalid member id \(hex(value)) in \(field)"
        case let .trailingBytes(count): return "\(count) bytes after the end of a message"
        case let .unexpectedFrame(what): return "unexpected frame: \(what)"
        }
    }
}

/// Member and cluster ids are printed in hex, as etcd prints them.
func hex(_ value: some BinaryInteger) -> String {
    String(value, radix: 16)
}
