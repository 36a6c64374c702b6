import NIOCore

/// Splits the DATA bytes of one stream into gRPC messages: each is a 1-byte compressed flag, a
/// 4-byte big-endian length, then that many bytes (gRPC over HTTP/2, "Length-Prefixed-Message").
///
/// HTTP/2 may cut the byte stream anywhere, so bytes are appended as they arrive and a message
/// comes out only once it is whole. A length above the limit is refused as soon as the prefix is
/// read, before its bytes are buffered: a hostile client cannot make the server hold more than
/// ``GRPCLimits/maxReceiveMessageBytes`` per stream.
struct GRPCMessageDeframer {
    enum Failure: Error, Equatable {
        /// The prefix announced a message longer than the limit.
        case tooLarge(length: Int, limit: Int)
        /// The compressed flag was set; only the identity encoding is offered.
        case compressed
    }

    private var buffer: ByteBuffer?
    private let limit: Int

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// True when bytes of an unfinished message are held: a stream ending now was cut short.
    var hasPartialMessage: Bool { (self.buffer?.readableBytes ?? 0) > 0 }

    /// Takes the bytes of one DATA frame. Its messages come out of ``next()``.
    mutating func append(_ bytes: ByteBuffer) {
        if self.buffer == nil || self.buffer!.readableBytes == 0 {
            // The common case, one whole message per frame: keep the frame's own buffer, no copy.
            self.buffer = bytes
        } else {
            self.buffer!.writeImmutableBuffer(bytes)
        }
    }

    /// The next whole message, nil when more bytes are needed.
    mutating func next() throws(Failure) -> ByteBuffer? {
        guard var buffer = self.buffer, buffer.readableBytes >= GRPCLimits.messagePrefixBytes else {
            return nil
        }
        let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)!)
        if length > self.limit { throw .tooLarge(length: length, limit: self.limit) }
        if flag != 0 { throw .compressed }
        guard buffer.readableBytes >= GRPCLimits.messagePrefixBytes + length else { return nil }
        buffer.moveReaderIndex(forwardBy: GRPCLimits.messagePrefixBytes)
        let message = buffer.readSlice(length: length)!
        self.buffer = buffer.readableBytes == 0 ? nil : buffer
        return message
    }
}
