import NIOCore
import Raft

/// Sends one snapshot message on a connection of its own: dial, `Hello` (snapshot stream), the
/// encoded message in chunks written as the channel's buffer drains, then wait for the
/// receiver's acknowledgement. Reports `.finished` or `.failed` exactly once. All of it runs on
/// `eventLoop`.
final class SnapshotTransfer: @unchecked Sendable {
    private let message: Message
    private let address: PeerAddress
    private let eventLoop: EventLoop
    private let context: TransportContext
    private let completion: @Sendable (SnapshotStatus) -> Void

    // Only touched on `eventLoop`:
    private var chunks: [SnapshotChunk] = []
    private var nextChunk = 0
    private var channel: Channel?
    private var finished = false
    private var timeout: Scheduled<Void>?

    init(message: Message, address: PeerAddress, eventLoop: EventLoop, context: TransportContext,
         completion: @escaping @Sendable (SnapshotStatus) -> Void) {
        self.message = message
        self.address = address
        self.eventLoop = eventLoop
        self.context = context
        self.completion = completion
    }

    func start() {
        eventLoop.execute { self.begin() }
    }

    private func begin() {
        let limits = context.configuration.limits
        var encoded = ByteBufferAllocator().buffer(capacity: MessageCodec.maxEncodedSize(message))
        MessageCodec.encode(message, into: &encoded)
        guard encoded.readableBytes <= limits.maxSnapshotBytes else {
            finish(.failed, "snapshot of \(encoded.readableBytes) bytes exceeds the limit of \(limits.maxSnapshotBytes)")
            return
        }
        chunks = SnapshotChunk.split(encoded, chunkBytes: limits.snapshotChunkBytes)
        timeout = eventLoop.scheduleTask(in: context.configuration.snapshotTimeout) {
            self.finish(.failed, "no acknowledgement within \(self.context.configuration.snapshotTimeout)")
        }
        let configuration = context.configuration
        let hello = Hello(stream: .snapshot, clusterID: configuration.clusterID, from: configuration.memberID, to: message.to)
        context.connect(to: address, on: eventLoop, hello: hello) { [self] event in
            handle(event)
        }.whenComplete { [self] result in
            switch result {
            case let .success(channel):
                if finished { channel.close(promise: nil) } else { self.channel = channel }
            case let .failure(error):
                finish(.failed, "cannot connect to \(address): \(error)")
            }
        }
    }

    private func handle(_ event: OutboundEvent) {
        switch event {
        case let .accepted(channel):
            self.channel = channel
            writeChunks()
        case .writable:
            writeChunks()
        case .memberList:
            finish(.failed, "a member list on a snapshot connection")
        case let .refused(reason, _):
            finish(.failed, "refused: \(reason)")
        case let .snapshotAck(verdict):
            if verdict.accepted {
                finish(.finished, nil)
            } else {
                finish(.failed, "receiver failed: \(verdict.reason)")
            }
        case .closed:
            finish(.failed, "connection closed before the acknowledgement")
        }
    }

    /// Writes chunks while the channel takes them; the rest waits for `.writable`.
    private func writeChunks() {
        guard let channel, !finished else { return }
        while nextChunk < chunks.count && channel.isWritable {
            let chunk = chunks[nextChunk]
            chunks[nextChunk].data = ByteBuffer()  // written: let it go
            nextChunk += 1
            var buffer = channel.allocator.buffer(capacity: chunk.data.readableBytes + LimitsOfChunk.header)
            chunk.write(into: &buffer)
            channel.write(buffer, promise: nil)
        }
        channel.flush()
    }

    private func finish(_ status: SnapshotStatus, _ detail: String?) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        chunks = []
        channel?.close(promise: nil)
        let target = "snapshot at index \(snapshotIndex) to member \(hex(message.to))"
        if let detail {
            context.callbacks.log(.warning, "\(target) failed: \(detail)")
        } else {
            context.callbacks.log(.info, "\(target) delivered")
        }
        completion(status)
    }

    private var snapshotIndex: UInt64 {
        if case let .snapshot(snapshot) = message.payload { return snapshot.metadata.index }
        return 0
    }
}

private enum LimitsOfChunk {
    static let header = Frame.headerBytes + TransportLimits.chunkHeaderBytes
}
