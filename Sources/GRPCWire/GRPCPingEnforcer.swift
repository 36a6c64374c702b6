import NIOCore

/// grpc-go's enforcement of a client's pings (`handlePing`, with ``GRPCKeepalive``'s policy): a
/// ping sooner than the policy allows after the previous one is a strike, unless the server sent
/// HEADERS or DATA since; more than ``GRPCKeepalive/maxPingStrikes`` strikes break the policy.
///
/// It lives in ``GRPCHTTP2Handler`` because "sent since" means on the wire: Go clients
/// send a BDP ping after the DATA frames they receive, and a response held back by flow control
/// leaves as many frames, long after it was written.
struct GRPCPingEnforcer {
    let policy: GRPCKeepalive
    private var lastPingAt: NIODeadline?
    private var strikes = 0
    /// HEADERS or DATA went out since the client's last ping: its next ping is no strike
    /// (grpc-go's `resetPingStrikes`).
    var respondedSincePing = false

    init(policy: GRPCKeepalive) {
        self.policy = policy
    }

    /// Takes a client's ping; true when it breaks the policy.
    mutating func pingBreaksPolicy(openStreams: Int, now: NIODeadline = .now()) -> Bool {
        defer { self.lastPingAt = now }
        if self.respondedSincePing {
            self.respondedSincePing = false
            self.strikes = 0
            return false
        }
        let spacing =
            openStreams == 0 && !self.policy.permitWithoutStream ? GRPCKeepalive.pingSpacingWithoutStreams : self.policy.minTime
        if let last = self.lastPingAt, now < last + spacing {
            self.strikes += 1
        }
        return self.strikes > GRPCKeepalive.maxPingStrikes
    }
}
