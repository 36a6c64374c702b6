import NIOCore
import SwiftProtobuf

/// A `ByteBuffer` that swift-protobuf can read messages from and write them into, so a message
/// is parsed straight out of the received frame and serialized straight into the buffer that
/// goes out, with room kept in front for the 5-byte gRPC prefix: no intermediate `[UInt8]`.
struct ProtobufByteBuffer: SwiftProtobufContiguousBytes {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// swift-protobuf calls this with the serialized size before it writes the message; the
    /// buffer holds the prefix's 5 bytes unread in front of `count` writable bytes.
    init(repeating: UInt8, count: Int) {
        var buffer = Self.allocator.buffer(capacity: GRPCLimits.messagePrefixBytes + count)
        buffer.writeRepeatingByte(0, count: GRPCLimits.messagePrefixBytes)
        buffer.moveReaderIndex(forwardBy: GRPCLimits.messagePrefixBytes)
        buffer.writeRepeatingByte(repeating, count: count)
        self.buffer = buffer
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        var buffer = Self.allocator.buffer(capacity: GRPCLimits.messagePrefixBytes + sequence.underestimatedCount)
        buffer.writeRepeatingByte(0, count: GRPCLimits.messagePrefixBytes)
        buffer.moveReaderIndex(forwardBy: GRPCLimits.messagePrefixBytes)
        buffer.writeBytes(sequence)
        self.buffer = buffer
    }

    var count: Int { self.buffer.readableBytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.buffer.withUnsafeReadableBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try self.buffer.withUnsafeMutableReadableBytes(body)
    }

    private static let allocator = ByteBufferAllocator()
}

extension SwiftProtobuf.Message {
    /// Parses a message from the bytes of one gRPC message (prefix already removed).
    init(grpcPayload: ByteBuffer) throws {
        try self.init(serializedBytes: ProtobufByteBuffer(grpcPayload))
    }

    /// Serializes the message as one length-prefixed gRPC message.
    func grpcFramed() throws -> ByteBuffer {
        var bytes: ProtobufByteBuffer = try self.serializedBytes()
        let length = bytes.buffer.readableBytes
        precondition(bytes.buffer.readerIndex == GRPCLimits.messagePrefixBytes)
        bytes.buffer.moveReaderIndex(to: 0)
        bytes.buffer.setInteger(UInt8(0), at: 0)
        bytes.buffer.setInteger(UInt32(length), at: 1)
        return bytes.buffer
    }
}
