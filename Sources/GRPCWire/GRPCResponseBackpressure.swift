import NIOCore

/// The byte bound on a streaming call's responses that are written to the connection but not
/// yet on the socket (SPEC B9): HTTP/2 flow control holds them in `NIOHTTP2Handler` while the
/// client's window is shut, and NIO's channel holds them while the socket is full. Without a
/// bound, a client that reads slowly makes the server buffer everything a watch produces.
///
/// A producer that sends with ``GRPCServerCall/sendWhenWritable(_:)`` is admitted while the
/// queue has room and otherwise suspended here, with its one message, until written bytes make
/// room: blocking the producer as grpc-go does, never dropping. Lives on the call's event loop.
struct GRPCResponseBackpressure {
    /// A suspended send: its framed message and the producer waiting for it to be written.
    typealias Waiting = (framed: ByteBuffer, continuation: CheckedContinuation<Void, any Error>)

    let limit: Int
    /// Bytes written to the connection whose write has not completed yet.
    private(set) var queuedBytes = 0
    /// Suspended sends in arrival order: at most one per suspended producer, which cannot make
    /// another message while it waits, so the producers bound this queue.
    private var waiting = CircularBuffer<Waiting>()

    init(limit: Int) {
        precondition(limit > 0, "a response queue needs room for some bytes")
        self.limit = limit
    }

    /// Whether a message of `bytes` may be written now: no earlier send waits, and the queue has
    /// room for it or is empty (a message larger than the limit goes out alone).
    func admits(_ bytes: Int) -> Bool {
        self.waiting.isEmpty && self.fits(bytes)
    }

    mutating func wait(_ send: Waiting) {
        self.waiting.append(send)
    }

    /// `bytes` were handed to the connection: `admitted` by ``admits(_:)`` or
    /// ``nextAdmitted()``, or sent without waiting (``GRPCServerCall/send(_:)``, unbounded).
    mutating func queued(_ bytes: Int, admitted: Bool) {
        self.queuedBytes += bytes
        precondition(
            !admitted || self.queuedBytes <= self.limit || self.queuedBytes == bytes,
            "an admitted response took the queue over its bound with more than one message")
    }

    /// The write of `bytes` completed (on the socket, or failed with the stream or connection).
    mutating func written(_ bytes: Int) {
        self.queuedBytes -= bytes
        precondition(self.queuedBytes >= 0, "more response bytes written than queued")
    }

    /// The first waiting send, if the queue now has room for it.
    mutating func nextAdmitted() -> Waiting? {
        guard let first = self.waiting.first, self.fits(first.framed.readableBytes) else { return nil }
        return self.waiting.removeFirst()
    }

    /// Every waiting send, for the call's end.
    mutating func removeAllWaiting() -> CircularBuffer<Waiting> {
        defer { self.waiting.removeAll() }
        return self.waiting
    }

    private func fits(_ bytes: Int) -> Bool {
        self.queuedBytes == 0 || self.queuedBytes + bytes <= self.limit
    }
}
