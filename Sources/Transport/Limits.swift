/// Every bound of the peer protocol, in one place. A peer may send anything: each of these is
/// checked on input before anything is allocated or any state is touched.
///
/// Relations between them are asserted in `validate()` (called by `PeerTransport.init`), with the
/// reason written beside each.
public struct TransportLimits: Sendable, Equatable {
    /// Largest frame body (version byte onwards) accepted or sent. A frame header announcing more
    /// closes the connection before any of its body is buffered.
    public var maxFrameBytes: Int = 16 << 20
    /// Most entries in one `append` or `propose` message.
    public var maxEntriesPerMessage: Int = 1 << 20
    /// Largest `readIndex` context (and a read state's context).
    public var maxContextBytes: Int = 64 << 10
    /// Most voters plus learners in a snapshot's configuration.
    public var maxMembers: Int = 1024
    /// Largest encoded snapshot message reassembled by a receiver (metadata and data).
    public var maxSnapshotBytes: Int = 4 << 30
    /// Snapshot data is sent in chunks of this many bytes, one frame each.
    public var snapshotChunkBytes: Int = 1 << 20
    /// Bytes of messages waiting to be written to one peer. Past it, new messages to that peer are
    /// dropped and the peer is reported unreachable (Raft tolerates loss and retries).
    public var maxPendingBytesPerPeer: Int = 16 << 20
    /// Bytes a connection may hold in its outbound buffer before it stops being writable; the
    /// queue above takes over until it drains below `lowWaterMark`.
    public var writeBufferHighWaterMark: Int = 4 << 20
    public var writeBufferLowWaterMark: Int = 1 << 20
    /// Longest human-readable reason in a refusal.
    public var maxReasonBytes: Int = 1024

    public init() {}

    /// Largest header of a snapshot chunk frame: kind, version, two varint offsets.
    static let chunkHeaderBytes = 2 + 2 * 10

    /// Checks the relations between the limits; a violation is a programming error.
    public func validate() {
        precondition(maxFrameBytes > 0 && maxFrameBytes <= Int(UInt32.max), "a frame length is a UInt32")
        // A chunk must fit in one frame, with its header.
        precondition(snapshotChunkBytes > 0 && snapshotChunkBytes + Self.chunkHeaderBytes <= maxFrameBytes,
                     "snapshotChunkBytes must fit in a frame")
        // An empty entry is at least 4 encoded bytes, so a frame never holds more than this many
        // entries anyway; the explicit limit is there to keep arrays small.
        precondition(maxEntriesPerMessage > 0, "maxEntriesPerMessage must be positive")
        precondition(maxContextBytes > 0 && maxContextBytes < maxFrameBytes, "a context must fit in a frame")
        precondition(maxMembers > 0, "maxMembers must be positive")
        precondition(maxSnapshotBytes >= maxFrameBytes, "a snapshot may be larger than a frame")
        // At least one largest message must be able to wait in the queue.
        precondition(maxPendingBytesPerPeer >= maxFrameBytes, "maxPendingBytesPerPeer must hold one frame")
        precondition(writeBufferLowWaterMark > 0 && writeBufferLowWaterMark < writeBufferHighWaterMark,
                     "low water mark below high water mark")
    }
}
