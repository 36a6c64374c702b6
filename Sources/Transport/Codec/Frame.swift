import Checksums
import NIOCore

/// The unit of the peer protocol on a TCP connection:
///
/// ```
/// frame  = length:u32be checksum:u32be body
/// body   = version:u8 kind:u8 payload        (length counts the body)
/// ```
/// `checksum` is the CRC-32C of the body. The decoder refuses a length above
/// `TransportLimits.maxFrameBytes` as soon as it reads the header, before buffering the body.
struct Frame: Equatable, Sendable {
    /// The protocol version this build speaks; a frame with any other is refused.
    static let version: UInt8 = 1
    static let headerBytes = 8
    /// Version and kind.
    static let bodyPrefixBytes = 2

    enum Kind: UInt8, Sendable {
        /// First frame of a connection, dialer to listener: `Hello`.
        case hello = 1
        /// The listener's answer: `HelloReply`.
        case helloReply = 2
        /// One `Raft.Message` (`MessageCodec`).
        case message = 3
        /// A piece of an encoded snapshot message: offset:varint total:varint data.
        case snapshotChunk = 4
        /// The receiver's verdict on a whole snapshot: `SnapshotAck`.
        case snapshotAck = 5
        /// The listener's answer on a `members` stream: its owner's member list, opaque bytes.
        case memberList = 6
    }

    var kind: Kind
    /// The payload after the kind byte.
    var payload: ByteBuffer

    /// Appends one frame to `buffer`: `writePayload` writes the payload, then the header is
    /// filled in. Returns the body length, which the caller checks against its limit.
    @discardableResult
    static func write(_ kind: Kind, into buffer: inout ByteBuffer, _ writePayload: (inout ByteBuffer) -> Void) -> Int {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(UInt32(0))
        let bodyStart = buffer.writerIndex
        buffer.writeInteger(version)
        buffer.writeInteger(kind.rawValue)
        writePayload(&buffer)
        let length = buffer.writerIndex - bodyStart
        let offset = bodyStart - buffer.readerIndex
        let checksum = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
        buffer.setInteger(UInt32(truncatingIfNeeded: length), at: start)
        buffer.setInteger(checksum, at: start + 4)
        return length
    }

    /// Appends a frame whose payload is `payload`.
    static func write(_ kind: Kind, payload: ByteBuffer, into buffer: inout ByteBuffer) {
        var payload = payload
        write(kind, into: &buffer) { $0.writeBuffer(&payload) }
    }
}

/// Splits the byte stream into checked frames. It owns the cumulation buffer only during
/// `decode`; each frame's payload is a slice handed on to the next handler.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    let maxFrameBytes: Int

    init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.decodeFrame(&buffer, maxFrameBytes: maxFrameBytes) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF is dropped: the connection is gone either way.
        try decode(context: context, buffer: &buffer)
    }

    /// The channel-free core: one frame off the front of `buffer`, or nil when more bytes are needed
    /// (the buffer is then left as it was).
    static func decodeFrame(_ buffer: inout ByteBuffer, maxFrameBytes: Int) throws -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let checksum = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self) else { return nil }
        guard Int(length) <= maxFrameBytes else { throw PeerProtocolError.frameTooLarge(length: Int(length), limit: maxFrameBytes) }
        guard Int(length) >= Frame.bodyPrefixBytes else { throw PeerProtocolError.frameTooShort(length: Int(length)) }
        guard buffer.readableBytes >= Frame.headerBytes + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerBytes)
        var body = buffer.readSlice(length: Int(length))!
        let actual = body.withUnsafeReadableBytes { CRC32C.checksum($0) }
        guard actual == checksum else { throw PeerProtocolError.checksumMismatch(expected: checksum, actual: actual) }
        let version: UInt8 = body.readInteger()!
        guard version == Frame.version else { throw PeerProtocolError.unsupportedVersion(version) }
        let rawKind: UInt8 = body.readInteger()!
        guard let kind = Frame.Kind(rawValue: rawKind) else { throw PeerProtocolError.unknownFrameKind(rawKind) }
        return Frame(kind: kind, payload: body)
    }
}
