import NIOCore

/// Exponential backoff between reconnection attempts: `initial`, doubled after each consecutive
/// failure, capped at `maximum`.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: TimeAmount
    public var maximum: TimeAmount

    public init(initial: TimeAmount = .milliseconds(50), maximum: TimeAmount = .seconds(2)) {
        precondition(initial.nanoseconds > 0 && maximum >= initial, "backoff: 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `failures` consecutive failed attempts (0 for the first).
    public func delay(afterFailures failures: Int) -> TimeAmount {
        var delay = initial.nanoseconds
        for _ in 0..<min(failures, 62) {
            if delay >= maximum.nanoseconds / 2 { return maximum }
            delay *= 2
        }
        return .nanoseconds(min(delay, maximum.nanoseconds))
    }
}

/// The life of the outbound message connection to one peer, apart from any channel: each event
/// returns what the link must do. Messages are queued while connecting or connected and dropped
/// (the peer reported unreachable) while waiting to reconnect.
struct OutboundConnectionStateMachine {
    enum State: Equatable {
        case idle
        /// TCP (and TLS) connection in progress, or `Hello` sent and no answer yet.
        case connecting
        /// The peer accepted our `Hello`: messages flow.
        case connected
        /// The last attempt failed or the connection dropped; a reconnect is scheduled.
        case backingOff
        case stopped
    }

    enum Action: Equatable {
        case none
        case connect
        /// Drop what is queued, report the peer unreachable, try again after the delay.
        case dropAndReconnect(after: TimeAmount)
        /// Messages queued while connecting may go out now.
        case flush
        case close
    }

    private(set) var state: State = .idle
    /// Consecutive failed attempts: resets once a handshake succeeds.
    private(set) var failures = 0
    let backoff: ReconnectBackoff

    init(backoff: ReconnectBackoff) {
        self.backoff = backoff
    }

    /// Whether a message sent now is queued (true) or dropped (false).
    var queuesMessages: Bool { state == .connecting || state == .connected }

    mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting
        return .connect
    }

    mutating func handshakeAccepted() -> Action {
        guard state == .connecting else { return .none }
        state = .connected
        failures = 0
        return .flush
    }

    /// The connection attempt failed, the peer refused us, or an established connection closed.
    mutating func connectionLost() -> Action {
        switch state {
        case .connecting, .connected:
            let delay = backoff.delay(afterFailures: failures)
            failures += 1
            state = .backingOff
            return .dropAndReconnect(after: delay)
        case .idle, .backingOff, .stopped:
            return .none
        }
    }

    mutating func reconnectTimerFired() -> Action {
        guard state == .backingOff else { return .none }
        state = .connecting
        return .connect
    }

    mutating func stop() -> Action {
        guard state != .stopped else { return .none }
        state = .stopped
        return .close
    }
}
