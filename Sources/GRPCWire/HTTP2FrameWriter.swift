import NIOCore
import NIOHPACK
import NIOHTTP2

/// The frames ``GRPCHTTP2Handler`` has encoded and not yet handed to the channel, with the
/// promises of the writes in them: many frames leave as one buffer, in one write per flush.
///
/// A write's promise rides on the next write to the socket, which completes after the frame's
/// bytes are written (a channel completes writes in order).
///
/// A class, not a struct: a flush completes write promises whose callbacks write new frames
/// here before the flush has returned.
final class HTTP2FrameWriter {
    /// Payloads at least this long go to the socket as they are instead of being copied.
    static let payloadCopyLimit = 4096

    private var buffer: ByteBuffer
    private var promises: [EventLoopPromise<Void>] = []
    /// Bytes were handed to the channel since its last flush.
    private var unflushed = false

    init(allocator: ByteBufferAllocator) {
        self.buffer = allocator.buffer(capacity: 256)
    }

    /// Something is encoded, promised or written that no flush has taken along yet.
    var hasPending: Bool { self.unflushed || self.buffer.readableBytes > 0 || !self.promises.isEmpty }

    func complete(_ promise: EventLoopPromise<Void>?) {
        promise.map { self.promises.append($0) }
    }

    func frameHeader(length: Int, type: UInt8, flags: UInt8 = 0, streamID: HTTP2StreamID) {
        HTTP2Wire.FrameHeader(length: length, type: type, flags: flags, streamID: streamID).write(into: &self.buffer)
    }

    func settings(_ settings: [(UInt16, Int)]) {
        self.frameHeader(length: 6 * settings.count, type: HTTP2Wire.FrameType.settings, streamID: .rootStream)
        for (identifier, value) in settings {
            self.buffer.writeInteger(identifier)
            self.buffer.writeInteger(UInt32(value))
        }
    }

    func settingsAcknowledgement() {
        self.frameHeader(length: 0, type: HTTP2Wire.FrameType.settings, flags: HTTP2Wire.Flag.ack, streamID: .rootStream)
    }

    func clientPreface() {
        self.buffer.writeBytes(HTTP2Wire.clientPreface)
    }

    func reset(_ id: HTTP2StreamID, _ code: HTTP2ErrorCode) {
        self.frameHeader(length: 4, type: HTTP2Wire.FrameType.rstStream, streamID: id)
        self.buffer.writeInteger(UInt32(code.networkCode))
    }

    func ping(_ opaque: UInt64, ack: Bool) {
        self.frameHeader(length: 8, type: HTTP2Wire.FrameType.ping, flags: ack ? HTTP2Wire.Flag.ack : 0, streamID: .rootStream)
        self.buffer.writeInteger(opaque)
    }

    func windowUpdate(_ id: HTTP2StreamID, increment: Int) {
        self.frameHeader(length: 4, type: HTTP2Wire.FrameType.windowUpdate, streamID: id)
        self.buffer.writeInteger(UInt32(increment))
    }

    func goAway(lastStreamID: HTTP2StreamID, code: HTTP2ErrorCode, debugData: ByteBuffer?) {
        var debugData = debugData ?? ByteBuffer()
        self.frameHeader(length: 8 + debugData.readableBytes, type: HTTP2Wire.FrameType.goAway, streamID: .rootStream)
        self.buffer.writeInteger(UInt32(Int32(lastStreamID)))
        self.buffer.writeInteger(UInt32(code.networkCode))
        self.buffer.writeBuffer(&debugData)
    }

    /// A DATA frame, its payload copied in, or, when long, written to the channel as it is.
    func data(_ payload: ByteBuffer, endStream: Bool, streamID: HTTP2StreamID, _ context: ChannelHandlerContext?) {
        self.frameHeader(
            length: payload.readableBytes, type: HTTP2Wire.FrameType.data, flags: endStream ? HTTP2Wire.Flag.endStream : 0,
            streamID: streamID)
        if payload.readableBytes >= Self.payloadCopyLimit, let context {
            self.writeBuffer(context)
            context.write(NIOAny(payload), promise: nil)
            self.unflushed = true
        } else {
            var payload = payload
            self.buffer.writeBuffer(&payload)
        }
    }

    /// HEADERS with `headers` as a literal block; CONTINUATION frames carry what exceeds
    /// `maxFrameSize`.
    func headers(_ headers: HPACKHeaders, endStream: Bool, streamID: HTTP2StreamID, maxFrameSize: Int) {
        let headerAt = self.buffer.writerIndex
        self.buffer.writeRepeatingByte(0, count: HTTP2Wire.frameHeaderBytes)
        HPACKLiteralEncoder.encode(headers, into: &self.buffer)
        let blockLength = self.buffer.writerIndex - headerAt - HTTP2Wire.frameHeaderBytes
        let endStreamFlag = endStream ? HTTP2Wire.Flag.endStream : 0
        if blockLength <= maxFrameSize {
            HTTP2Wire.FrameHeader(
                length: blockLength, type: HTTP2Wire.FrameType.headers, flags: HTTP2Wire.Flag.endHeaders | endStreamFlag,
                streamID: streamID
            ).set(in: &self.buffer, at: headerAt)
            return
        }
        var block = self.buffer.getSlice(at: headerAt + HTTP2Wire.frameHeaderBytes, length: blockLength)!
        self.buffer.moveWriterIndex(to: headerAt)
        var type = HTTP2Wire.FrameType.headers
        var flags = endStreamFlag
        while block.readableBytes > 0 {
            var part = block.readSlice(length: min(block.readableBytes, maxFrameSize))!
            if block.readableBytes == 0 { flags |= HTTP2Wire.Flag.endHeaders }
            self.frameHeader(length: part.readableBytes, type: type, flags: flags, streamID: streamID)
            self.buffer.writeBuffer(&part)
            type = HTTP2Wire.FrameType.continuation
            flags = 0
        }
    }

    /// Hands the encoded frames to the channel without a flush.
    private func writeBuffer(_ context: ChannelHandlerContext) {
        guard self.buffer.readableBytes > 0 else { return }
        context.write(NIOAny(self.buffer), promise: nil)
        self.buffer = context.channel.allocator.buffer(capacity: 256)
        self.unflushed = true
    }

    /// Writes what is encoded, with one promise completing every promise taken, and flushes.
    func flush(_ context: ChannelHandlerContext) {
        if self.buffer.readableBytes > 0 || !self.promises.isEmpty {
            let promise: EventLoopPromise<Void>?
            switch self.promises.count {
            case 0:
                promise = nil
            case 1:
                promise = self.promises[0]
            default:
                let promises = self.promises
                let all = context.eventLoop.makePromise(of: Void.self)
                all.futureResult.whenComplete { result in
                    for promise in promises { promise.completeWith(result) }
                }
                promise = all
            }
            self.promises.removeAll(keepingCapacity: true)
            context.write(NIOAny(self.buffer), promise: promise)
            self.buffer = context.channel.allocator.buffer(capacity: 256)
        }
        self.unflushed = false
        context.flush()
    }

    /// The connection is gone: every promise taken fails.
    func failPromises() {
        let promises = self.promises
        self.promises = []
        for promise in promises { promise.fail(ChannelError.ioOnClosedChannel) }
    }
}
