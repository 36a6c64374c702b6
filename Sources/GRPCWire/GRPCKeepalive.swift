import NIOCore

/// Server keepalive, with etcd's flags and grpc-go's meaning (`keepalive.ServerParameters` and
/// `keepalive.EnforcementPolicy`, which etcd sets from `--grpc-keepalive-*`).
///
/// Idle connections (a watch with no events) stay open: a PING after ``interval`` without
/// anything read tells a live client from a dead one, and only a peer that stays silent for
/// ``timeout`` after it is closed. Clients that ping too often are sent away
/// (``minTime``, enforced by ``GRPCPingEnforcer``), which a control-frame rate limit alone
/// cannot tell from grpc-go's BDP pings (shared/notes/grpc-on-swift.md, "The PING trap").
public struct GRPCKeepalive: Sendable, Hashable {
    /// How long the connection may stay silent before the server pings
    /// (`--grpc-keepalive-interval`, etcd's default 2 h).
    public var interval: TimeAmount
    /// How long the server waits for any sign of life after its ping before it closes the
    /// connection (`--grpc-keepalive-timeout`, default 20 s).
    public var timeout: TimeAmount
    /// The shortest interval between a client's pings while it has calls open
    /// (`--grpc-keepalive-min-time`, default 5 s).
    public var minTime: TimeAmount
    /// Whether clients may ping without calls open (etcd: false). When false, a ping sooner
    /// than grpc-go's two hours after the last one on a connection without calls is a strike.
    public var permitWithoutStream: Bool

    public init(
        interval: TimeAmount = .hours(2), timeout: TimeAmount = .seconds(20), minTime: TimeAmount = .seconds(5),
        permitWithoutStream: Bool = false
    ) {
        precondition(interval > .zero && timeout > .zero && minTime >= .zero, "keepalive times must be positive")
        self.interval = interval
        self.timeout = timeout
        self.minTime = minTime
        self.permitWithoutStream = permitWithoutStream
    }

    /// How many pings that break the policy grpc-go tolerates before GOAWAY (`maxPingStrikes`).
    static let maxPingStrikes = 2
    /// grpc-go's `defaultPingTimeout`: the spacing expected of pings on a connection without
    /// calls when they are not permitted.
    static let pingSpacingWithoutStreams = TimeAmount.hours(2)
}
