import NIOConcurrencyHelpers
import NIOCore

/// The requests of a client streaming call, kept until the server has surely seen the call, so
/// that a call it refused before processing (REFUSED_STREAM, or above its GOAWAY's last stream)
/// can be opened again on another connection and its requests sent again in order: grpc-go's
/// transparent retry with its retry buffer. The call commits, and its requests are dropped,
/// once a response arrives or the requests outgrow ``limit``; a committed call is not retried.
///
/// Callers send from any thread; each attempt's call lives on its own event loop.
final class GRPCStreamReplay: Sendable {
    private struct State {
        /// The attempt requests go to; nil before the first one is open.
        var call: GRPCClientCall?
        var requests: [ByteBuffer] = []
        var requestBytes = 0
        var committed = false
        /// A retry is on its way: requests sent meanwhile must reach the next attempt.
        var reopening = false
        var halfClosed = false
        /// Why the call must end at its next attempt: the caller cancelled it, or requests sent
        /// while it was being reopened outgrew the buffer.
        var ended: GRPCStatus?
    }

    static let cancelled = GRPCStatus(.cancelled, "context canceled")

    /// grpc-go's default retry buffer: 256 KiB per call.
    static let defaultLimit = 256 << 10

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int = GRPCStreamReplay.defaultLimit) {
        precondition(limit > 0, "a retry buffer needs room for a request")
        self.limit = limit
    }

    /// Records a request and sends it on the current attempt.
    func send(_ framed: ByteBuffer) {
        let target: GRPCClientCall? = self.state.withLockedValue { state in
            if !state.committed {
                state.requests.append(framed)
                state.requestBytes += framed.readableBytes
                if state.requestBytes > self.limit {
                    state.committed = true
                    state.requests = []
                    if state.reopening {
                        state.ended = GRPCStatus(
                            .unavailable,
                            "stream refused by the server; its requests outgrew the retry buffer (\(self.limit) bytes)")
                    }
                }
            }
            return state.call
        }
        guard let target else { return }
        target.eventLoop.execute { target.send(framed, end: false) }
    }

    func finishSending() {
        let target = self.state.withLockedValue { state in
            state.halfClosed = true
            return state.call
        }
        guard let target else { return }
        target.eventLoop.execute { target.finishSending() }
    }

    func cancel() {
        let target = self.state.withLockedValue { state in
            state.ended = state.ended ?? Self.cancelled
            return state.call
        }
        guard let target else { return }
        target.eventLoop.execute { target.abort(Self.cancelled) }
    }

    /// A response arrived: the server processes the call, which will never be sent again.
    func commit() {
        self.state.withLockedValue { state in
            state.committed = true
            state.requests = []
        }
    }

    /// The server refused the current attempt unprocessed: whether it may be opened again
    /// (not committed, not cancelled, its requests within ``limit``).
    func beginRetry() -> Bool {
        self.state.withLockedValue { state in
            guard !state.committed, state.ended == nil else { return false }
            state.reopening = true
            return true
        }
    }

    /// A new attempt is open: it becomes the current one, and gets the requests sent so far
    /// (and the half-close, or the cancellation). Runs on `call`'s event loop, so requests sent
    /// from now on queue up behind these.
    func reopened(_ call: GRPCClientCall) {
        call.eventLoop.preconditionInEventLoop()
        let (requests, halfClosed, ended) = self.state.withLockedValue { state in
            state.call = call
            state.reopening = false
            return (state.requests, state.halfClosed, state.ended)
        }
        if let ended {
            call.abort(ended)
            return
        }
        for request in requests { call.send(request, end: false) }
        if halfClosed { call.finishSending() }
    }
}
