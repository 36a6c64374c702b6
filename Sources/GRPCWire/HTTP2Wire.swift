import NIOCore
import NIOHTTP2

/// The bytes of HTTP/2 framing (RFC 9113 §4, §6) that ``GRPCHTTP2Handler`` reads and writes.
enum HTTP2Wire {
    static let frameHeaderBytes = 9
    /// SETTINGS_MAX_FRAME_SIZE's initial value: the largest frame either side may send until the
    /// other advertises more. We never advertise more, so no inbound frame may be larger.
    static let defaultMaxFrameSize = 16_384
    static let largestMaxFrameSize = 16_777_215
    /// The initial flow-control window of a stream and of the connection (RFC 9113 §6.9.2).
    static let defaultWindow = 65_535
    static let largestWindow = Int(Int32.max)
    static let clientPreface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum FrameType {
        static let data: UInt8 = 0x0
        static let headers: UInt8 = 0x1
        static let priority: UInt8 = 0x2
        static let rstStream: UInt8 = 0x3
        static let settings: UInt8 = 0x4
        static let pushPromise: UInt8 = 0x5
        static let ping: UInt8 = 0x6
        static let goAway: UInt8 = 0x7
        static let windowUpdate: UInt8 = 0x8
        static let continuation: UInt8 = 0x9
    }

    enum Flag {
        static let endStream: UInt8 = 0x1
        static let ack: UInt8 = 0x1
        static let endHeaders: UInt8 = 0x4
        static let padded: UInt8 = 0x8
        static let priority: UInt8 = 0x20
    }

    enum Setting {
        static let headerTableSize: UInt16 = 0x1
        static let enablePush: UInt16 = 0x2
        static let maxConcurrentStreams: UInt16 = 0x3
        static let initialWindowSize: UInt16 = 0x4
        static let maxFrameSize: UInt16 = 0x5
        static let maxHeaderListSize: UInt16 = 0x6
    }

    /// A frame's 9-byte header, as read off the wire.
    struct FrameHeader {
        var length: Int
        var type: UInt8
        var flags: UInt8
        var streamID: HTTP2StreamID

        /// The header at the front of `buffer` once all nine bytes are there; nothing is consumed.
        /// The reserved bit of the stream ID is ignored, as the RFC asks.
        static func peek(_ buffer: ByteBuffer) -> FrameHeader? {
            let at = buffer.readerIndex
            guard buffer.readableBytes >= HTTP2Wire.frameHeaderBytes,
                let high = buffer.getInteger(at: at, as: UInt8.self),
                let low = buffer.getInteger(at: at + 1, as: UInt16.self),
                let type = buffer.getInteger(at: at + 3, as: UInt8.self),
                let flags = buffer.getInteger(at: at + 4, as: UInt8.self),
                let stream = buffer.getInteger(at: at + 5, as: UInt32.self)
            else { return nil }
            return FrameHeader(
                length: Int(high) << 16 | Int(low), type: type, flags: flags,
                streamID: HTTP2StreamID(Int32(bitPattern: stream & 0x7fff_ffff)))
        }

        func write(into buffer: inout ByteBuffer) {
            let at = buffer.writerIndex
            buffer.writeRepeatingByte(0, count: HTTP2Wire.frameHeaderBytes)
            self.set(in: &buffer, at: at)
        }

        /// Writes the header over nine bytes already in `buffer` (reserved before a payload whose
        /// length was not known yet).
        func set(in buffer: inout ByteBuffer, at index: Int) {
            precondition(self.length >= 0 && self.length <= HTTP2Wire.largestMaxFrameSize, "frame of \(self.length) bytes")
            buffer.setInteger(UInt8(truncatingIfNeeded: self.length >> 16), at: index)
            buffer.setInteger(UInt16(truncatingIfNeeded: self.length), at: index + 1)
            buffer.setInteger(self.type, at: index + 3)
            buffer.setInteger(self.flags, at: index + 4)
            buffer.setInteger(UInt32(Int32(self.streamID)), at: index + 5)
        }
    }
}
