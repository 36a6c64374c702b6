import NIOCore

/// A piece of an encoded snapshot message: `data` belongs at `offset` of a stream of `total`
/// bytes. Chunks arrive in order on the snapshot connection.
struct SnapshotChunk: Equatable, Sendable {
    var offset: UInt64
    var total: UInt64
    var data: ByteBuffer

    func write(into buffer: inout ByteBuffer) {
        var data = data
        Frame.write(.snapshotChunk, into: &buffer) { payload in
            payload.writeVarint(offset)
            payload.writeVarint(total)
            payload.writeBuffer(&data)
        }
    }

    init(offset: UInt64, total: UInt64, data: ByteBuffer) {
        self.offset = offset
        self.total = total
        self.data = data
    }

    init(decoding payload: ByteBuffer) throws(PeerProtocolError) {
        var payload = payload
        let offset = try payload.readVarint("chunk.offset")
        let total = try payload.readVarint("chunk.total")
        self.init(offset: offset, total: total, data: payload)
    }

    /// Splits an encoded snapshot message into chunks of at most `chunkBytes`.
    static func split(_ encoded: ByteBuffer, chunkBytes: Int) -> [SnapshotChunk] {
        precondition(chunkBytes > 0)
        var rest = encoded
        let total = UInt64(encoded.readableBytes)
        var chunks: [SnapshotChunk] = []
        chunks.reserveCapacity(rest.readableBytes / chunkBytes + 1)
        repeat {
            let offset = total - UInt64(rest.readableBytes)
            let slice = rest.readSlice(length: min(chunkBytes, rest.readableBytes))!
            chunks.append(SnapshotChunk(offset: offset, total: total, data: slice))
        } while rest.readableBytes > 0
        return chunks
    }
}

/// Reassembles the chunks of one snapshot on the receiver. The announced total is checked against
/// `limit` at the first chunk; memory grows only with bytes actually received.
struct SnapshotAssembler {
    let limit: Int
    private var total: UInt64?
    private var received: ByteBuffer

    init(limit: Int) {
        self.limit = limit
        self.received = ByteBufferAllocator().buffer(capacity: 0)
    }

    /// The bytes received so far.
    var receivedBytes: Int { received.readableBytes }

    /// Takes the next chunk; returns the whole encoded message once the last one is in.
    mutating func receive(_ chunk: SnapshotChunk) throws(PeerProtocolError) -> ByteBuffer? {
        if let total {
            guard chunk.total == total else { throw .unexpectedFrame("snapshot chunk total changed from \(total) to \(chunk.total)") }
        } else {
            guard chunk.total <= UInt64(limit) else { throw .limitExceeded(field: "snapshot size", value: chunk.total, limit: limit) }
            guard chunk.total > 0 else { throw .unexpectedFrame("empty snapshot") }
            total = chunk.total
        }
        let total = self.total!
        guard chunk.offset == UInt64(received.readableBytes) else {
            throw .unexpectedFrame("snapshot chunk at offset \(chunk.offset), expected \(received.readableBytes)")
        }
        guard chunk.data.readableBytes > 0, chunk.offset + UInt64(chunk.data.readableBytes) <= total else {
            throw .unexpectedFrame("snapshot chunk of \(chunk.data.readableBytes) bytes at \(chunk.offset) of \(total)")
        }
        var data = chunk.data
        received.writeBuffer(&data)
        return UInt64(received.readableBytes) == total ? received : nil
    }
}
