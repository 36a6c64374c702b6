import NIOCore

/// Every bound the gRPC layer enforces, in one place, with the reason for its value.
public struct GRPCLimits: Sendable, Hashable {
    /// The longest request message accepted, in bytes (the 5-byte gRPC prefix not counted).
    ///
    /// etcd sets grpc-go's `MaxRecvMsgSize` to `--max-request-bytes` (1.5 MiB by default) plus
    /// 512 KiB of "gRPC overhead" (`embed/serve.go`, `grpcOverheadBytes`); a longer message is
    /// refused before it is buffered, with grpc-go's RESOURCE_EXHAUSTED text. A message between
    /// `--max-request-bytes` and this limit reaches the handler, which answers etcd's
    /// "etcdserver: request is too large".
    public var maxReceiveMessageBytes: Int

    /// Inbound PING, SETTINGS, PRIORITY and RST_STREAM frames tolerated per
    /// ``controlFrameWindow`` (by ``GRPCHTTP2Handler``, and by swift-nio-http2's handler
    /// under our clients, which counts its own set of control frames).
    ///
    /// grpc-go clients (etcdctl, every Go etcd client, Kubernetes) send a BDP-estimation PING
    /// with nearly every DATA frame they receive; swift-nio-http2's default of 200 per 30 s
    /// disconnected them after ~200 responses (shared/notes/grpc-on-swift.md, "The PING trap").
    /// grpc-go itself limits BDP pings to one in flight, i.e. one per round trip; 100,000 per
    /// 10 s covers a client on loopback at ~10k round trips a second while a real PING flood (a
    /// million a second is easy) is still refused with GOAWAY(ENHANCE_YOUR_CALM).
    public var maxControlFramesPerWindow: Int
    public var controlFrameWindow: TimeAmount

    /// The per-stream inbound flow-control window we advertise (SETTINGS_INITIAL_WINDOW_SIZE).
    /// 1 MiB lets a maximal etcd request arrive in two round trips instead of 32.
    public var streamWindowBytes: Int

    /// The connection-level inbound window: several streams at full speed at once.
    public var connectionWindowBytes: Int

    /// Streams a peer may open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS).
    /// etcd's `--max-concurrent-streams` defaults to "unlimited"; a bound keeps one connection
    /// from holding unbounded state. 1000 clients over 100 connections (SPEC P2) need 10 each.
    public var maxConcurrentStreams: Int

    /// The largest header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE): gRPC metadata is small;
    /// etcd's auth token is the largest header clients send.
    public var maxHeaderListBytes: Int

    /// Response bytes one server-streaming or bidirectional call may have queued and not yet
    /// written to the socket (HTTP/2 flow control or a full socket holds them back), before
    /// ``GRPCServerCall/sendWhenWritable(_:)`` suspends its producer (SPEC B9).
    ///
    /// grpc-go blocks a stream's sender once 64 KiB are queued (its per-stream write quota); a
    /// bound of one stream window (1 MiB) lets a stream keep a whole window of a client that
    /// advertises ours in flight, while 1000 streams of a connection still hold at most 1 GiB.
    /// One message larger than the bound still goes out, alone.
    public var maxQueuedResponseBytesPerStream: Int

    /// How long a graceful shutdown waits for open calls (watches never end by themselves)
    /// after GOAWAY before it closes the connections.
    public var shutdownGracePeriod: TimeAmount

    public init(
        maxReceiveMessageBytes: Int = Self.etcdMaxRequestBytes + Self.etcdGRPCOverheadBytes,
        maxControlFramesPerWindow: Int = 100_000,
        controlFrameWindow: TimeAmount = .seconds(10),
        streamWindowBytes: Int = 1 << 20,
        connectionWindowBytes: Int = 16 << 20,
        maxConcurrentStreams: Int = 1000,
        maxHeaderListBytes: Int = 64 << 10,
        shutdownGracePeriod: TimeAmount = .seconds(5),
        maxQueuedResponseBytesPerStream: Int = 1 << 20
    ) {
        precondition(maxReceiveMessageBytes > 0)
        // RFC 7540 §6.9.1: "The sender MUST NOT send a flow-controlled frame with a length that
        // exceeds the space available"; windows above 2^31-1 are a FLOW_CONTROL_ERROR.
        precondition(streamWindowBytes >= 65_535 && streamWindowBytes <= Int(Int32.max))
        precondition(connectionWindowBytes >= streamWindowBytes && connectionWindowBytes <= Int(Int32.max))
        precondition(maxConcurrentStreams > 0 && maxControlFramesPerWindow > 0)
        precondition(maxQueuedResponseBytesPerStream > 0)
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.maxControlFramesPerWindow = maxControlFramesPerWindow
        self.controlFrameWindow = controlFrameWindow
        self.streamWindowBytes = streamWindowBytes
        self.connectionWindowBytes = connectionWindowBytes
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxHeaderListBytes = maxHeaderListBytes
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maxQueuedResponseBytesPerStream = maxQueuedResponseBytesPerStream
    }

    /// etcd's default `--max-request-bytes` (1.5 MiB).
    public static let etcdMaxRequestBytes = 1_572_864
    /// What etcd adds to `--max-request-bytes` for grpc-go's receive limit.
    public static let etcdGRPCOverheadBytes = 512 * 1024
    /// The 5-byte prefix of every gRPC message: a compressed flag and a big-endian length.
    static let messagePrefixBytes = 5
}
