import NIOCore
import NIOHPACK
import NIOHTTP2

/// One stream as ``GRPCHTTP2Handler`` keeps it: which halves are closed, how much DATA the
/// peer's window still admits, and the writes that wait for more window (or, on a client, for
/// the server's stream limit to let the stream open).
final class HTTP2Stream {
    /// A write held back behind DATA that waits for window: frames of a stream leave in order.
    enum PendingWrite {
        case data(ByteBuffer, endStream: Bool, EventLoopPromise<Void>?)
        case headers(HPACKHeaders, endStream: Bool, EventLoopPromise<Void>?)
        case reset(HTTP2ErrorCode, EventLoopPromise<Void>?)

        var promise: EventLoopPromise<Void>? {
            switch self {
            case .data(_, _, let promise), .headers(_, _, let promise), .reset(_, let promise): return promise
            }
        }
    }

    let id: HTTP2StreamID
    /// Opened on the wire: a client's stream may wait for the server's stream limit first.
    var isOpen = false
    /// Bytes of DATA the peer lets us send on this stream now (RFC 9113 §6.9); negative after
    /// the client shrinks SETTINGS_INITIAL_WINDOW_SIZE below what is in flight.
    var sendWindow: Int
    /// The client sent END_STREAM.
    var remoteClosed: Bool
    /// We sent END_STREAM.
    var localClosed = false
    var pending = CircularBuffer<PendingWrite>(initialCapacity: 0)
    /// In the handler's list of streams waiting for connection window.
    var waitsForConnectionWindow = false

    init(id: HTTP2StreamID, sendWindow: Int, remoteClosed: Bool) {
        self.id = id
        self.sendWindow = sendWindow
        self.remoteClosed = remoteClosed
    }

    var isClosed: Bool { self.remoteClosed && self.localClosed }
}
