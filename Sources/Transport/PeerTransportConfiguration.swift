#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import Raft

/// How a `PeerTransport` is set up: who we are, where we listen, TLS, limits, timing.
public struct PeerTransportConfiguration: Sendable {
    /// The cluster's id (etcd derives it from `--initial-cluster-token` and the initial members).
    /// A peer with another id is refused at the handshake.
    public var clusterID: UInt64
    /// The local member's id.
    public var memberID: NodeID
    /// Where to listen for peers (`--listen-peer-urls`); port 0 picks a free port.
    public var listenHost: String
    public var listenPort: Int
    /// Peer TLS; nil for plain TCP.
    public var tls: PeerTLSConfiguration?
    public var limits: TransportLimits
    public var backoff: ReconnectBackoff
    public var connectTimeout: TimeAmount
    /// A listener closes a connection that has not said `Hello` within this time (TLS handshake
    /// included); a dialler closes one whose `Hello` got no answer within it.
    public var handshakeTimeout: TimeAmount
    /// A snapshot transfer that has not been acknowledged within this time fails.
    public var snapshotTimeout: TimeAmount
    /// Drops to one peer report it unreachable at most once per this interval.
    public var unreachableReportInterval: TimeAmount

    public init(
        clusterID: UInt64,
        memberID: NodeID,
        listenHost: String = "127.0.0.1",
        listenPort: Int = 2380,
        tls: PeerTLSConfiguration? = nil,
        limits: TransportLimits = TransportLimits(),
        backoff: ReconnectBackoff = ReconnectBackoff(),
        connectTimeout: TimeAmount = .seconds(5),
        handshakeTimeout: TimeAmount = .seconds(5),
        snapshotTimeout: TimeAmount = .seconds(600),
        unreachableReportInterval: TimeAmount = .milliseconds(100)
    ) {
        precondition(memberID != noNode, "member id 0 is reserved")
        self.clusterID = clusterID
        self.memberID = memberID
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.tls = tls
        self.limits = limits
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.snapshotTimeout = snapshotTimeout
        self.unreachableReportInterval = unreachableReportInterval
    }
}

/// The outcome of sending a snapshot, for `RawNode.reportSnapshot`.
public enum SnapshotStatus: Sendable, Equatable {
    /// The receiver got the whole snapshot and handed it to its Raft core.
    case finished
    case failed
}

public enum TransportLogLevel: Int, Sendable, Comparable {
    case debug, info, warning, error

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a `PeerTransport` reports to its owner.
///
/// Threading: every callback runs on one of the transport's event loops (and `onUnreachable`
/// also on the thread that called `send` when it drops a message). Callbacks must be cheap and
/// thread-safe: hand the values to the run loop (a bounded queue, a continuation) and return.
/// Never block an event loop in them.
public struct PeerTransportCallbacks: Sendable {
    /// Messages received from one peer in one read, in the order that peer sent them.
    public var onMessages: @Sendable ([Message]) -> Void
    /// A peer could not be reached or messages to it were dropped: `RawNode.reportUnreachable`.
    public var onUnreachable: @Sendable (NodeID) -> Void
    /// A snapshot sent with `send` arrived or failed: `RawNode.reportSnapshot`.
    public var onSnapshotStatus: @Sendable (NodeID, SnapshotStatus) -> Void
    /// One log line; refusals and protocol errors are `.warning`, connection churn `.info`.
    public var log: @Sendable (TransportLogLevel, String) -> Void
    /// A peer refused us because this member was removed from the cluster.
    public var onRemovedFromCluster: @Sendable () -> Void
    /// The member list a joining member asks for (`MembershipQuery`), encoded by the owner.
    public var memberList: @Sendable () -> [UInt8]

    public init(
        onMessages: @escaping @Sendable ([Message]) -> Void,
        onUnreachable: @escaping @Sendable (NodeID) -> Void = { _ in },
        onSnapshotStatus: @escaping @Sendable (NodeID, SnapshotStatus) -> Void = { _, _ in },
        log: @escaping @Sendable (TransportLogLevel, String) -> Void = PeerTransportCallbacks.logToStandardError,
        onRemovedFromCluster: @escaping @Sendable () -> Void = {},
        memberList: @escaping @Sendable () -> [UInt8] = { [] }
    ) {
        self.memberList = memberList
        self.onRemovedFromCluster = onRemovedFromCluster
        self.onMessages = onMessages
        self.onUnreachable = onUnreachable
        self.onSnapshotStatus = onSnapshotStatus
        self.log = log
    }

    /// Writes `level message` lines to standard error, skipping `.debug`.
    public static let logToStandardError: @Sendable (TransportLogLevel, String) -> Void = { level, message in
        guard level > .debug else { return }
        let line = Array("[transport] \(level): \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
