import NIOConcurrencyHelpers
import NIOCore
import Raft

/// Everything the local member sends to one peer: the message connection (queue, coalescing,
/// reconnects) and at most one snapshot transfer at a time.
///
/// `send` may be called from any thread. Messages wait in a queue bounded in bytes
/// (`TransportLimits.maxPendingBytesPerPeer`); one task on the link's event loop writes all that
/// is waiting as one buffer and flushes once, so a burst of sends becomes one write. A send on
/// the link's event loop itself writes at once. The queue
/// is written out only while the channel is writable; when it is full, new messages are dropped
/// and the peer is reported unreachable.
final class PeerLink: @unchecked Sendable {
    let peerID: NodeID
    let eventLoop: EventLoop
    private let context: TransportContext

    private let lock = NIOLock()
    // Guarded by `lock`:
    private var address: PeerAddress
    private var machine: OutboundConnectionStateMachine
    private var pending: [Message] = []
    private var pendingBytes = 0
    private var flushScheduled = false
    private var channel: Channel?
    /// Counts connection attempts; events of an older attempt are ignored.
    private var attempt = 0
    private var lastUnreachableReport: NIODeadline?
    private var snapshotInFlight = false

    init(peerID: NodeID, address: PeerAddress, eventLoop: EventLoop, context: TransportContext) {
        self.peerID = peerID
        self.address = address
        self.eventLoop = eventLoop
        self.context = context
        self.machine = OutboundConnectionStateMachine(backoff: context.configuration.backoff)
    }

    // MARK: Any thread

    func start() {
        let action = lock.withLock { machine.start() }
        perform(action)
    }

    func stop() {
        let (action, channel) = lock.withLock { () -> (OutboundConnectionStateMachine.Action, Channel?) in
            pending.removeAll()
            pendingBytes = 0
            return (machine.stop(), self.channel)
        }
        if action == .close { channel?.close(promise: nil) }
    }

    /// Points the link at a new address; the current connection is dropped and redialled.
    func update(address: PeerAddress) {
        let channel = lock.withLock { () -> Channel? in
            self.address = address
            return self.channel
        }
        channel?.close(promise: nil)
    }

    var queuedBytes: Int { lock.withLock { pendingBytes } }

    var isConnected: Bool { lock.withLock { machine.state == .connected } }

    /// Queues `messages` (all to this peer) for the next write; drops what does not fit.
    func send(_ messages: some Sequence<Message>) {
        var dropped = false
        var scheduleFlush = false
        lock.withLock {
            guard machine.state != .stopped else { return }
            for message in messages {
                let size = MessageCodec.maxEncodedSize(message)
                guard machine.queuesMessages, pendingBytes + size <= context.configuration.limits.maxPendingBytesPerPeer else {
                    dropped = true
                    continue
                }
                pending.append(message)
                pendingBytes += size
            }
            if !pending.isEmpty && machine.state == .connected && !flushScheduled {
                flushScheduled = true
                scheduleFlush = true
            }
            if dropped { dropped = shouldReportUnreachableLocked() }
        }
        if dropped { context.callbacks.onUnreachable(peerID) }
        guard scheduleFlush else { return }
        // On the link's own event loop (the run loop shares it) the write goes out now: a
        // leader's appends must leave before its own log write, not after its turn.
        if eventLoop.inEventLoop { flush() } else { eventLoop.execute { self.flush() } }
    }

    /// Starts sending a snapshot on its own connection; the outcome goes to `onSnapshotStatus`.
    func sendSnapshot(_ message: Message) {
        let started = lock.withLock { () -> PeerAddress? in
            guard machine.state != .stopped, !snapshotInFlight else { return nil }
            snapshotInFlight = true
            return address
        }
        guard let address = started else {
            context.callbacks.log(.warning, "snapshot to member \(hex(peerID)) not sent: another is in flight")
            context.callbacks.onSnapshotStatus(peerID, .failed)
            return
        }
        let transfer = SnapshotTransfer(message: message, address: address, eventLoop: eventLoop, context: context) { [self] status in
            lock.withLock { snapshotInFlight = false }
            context.callbacks.onSnapshotStatus(peerID, status)
        }
        transfer.start()
    }

    /// Rate limit for `onUnreachable` on drops; the caller holds the lock.
    private func shouldReportUnreachableLocked() -> Bool {
        let now = NIODeadline.now()
        if let last = lastUnreachableReport, now - last < context.configuration.unreachableReportInterval { return false }
        lastUnreachableReport = now
        return true
    }

    private func perform(_ action: OutboundConnectionStateMachine.Action) {
        switch action {
        case .none, .close:
            break
        case .connect:
            eventLoop.execute { self.connect() }
        case .flush:
            eventLoop.execute { self.flush() }
        case let .dropAndReconnect(delay):
            let attempt = lock.withLock { self.attempt }
            context.callbacks.onUnreachable(peerID)
            _ = eventLoop.scheduleTask(in: delay) {
                self.reconnectTimerFired(attempt: attempt)
            }
        }
    }

    // MARK: On the event loop

    private func connect() {
        eventLoop.assertInEventLoop()
        let (address, attempt) = lock.withLock { () -> (PeerAddress, Int) in
            self.attempt += 1
            return (self.address, self.attempt)
        }
        let configuration = context.configuration
        let hello = Hello(stream: .messages, clusterID: configuration.clusterID, from: configuration.memberID, to: peerID)
        context.connect(to: address, on: eventLoop, hello: hello) { [self] event in
            handle(event, attempt: attempt)
        }.whenComplete { [self] result in
            switch result {
            case let .success(channel):
                let current = lock.withLock { () -> Bool in
                    guard attempt == self.attempt, machine.state == .connecting else { return false }
                    self.channel = channel
                    return true
                }
                if !current { channel.close(promise: nil) }
            case let .failure(error):
                context.callbacks.log(.info, "cannot connect to member \(hex(peerID)) at \(address): \(error)")
                connectionLost(attempt: attempt)
            }
        }
    }

    private func handle(_ event: OutboundEvent, attempt: Int) {
        switch event {
        case let .accepted(channel):
            let action = lock.withLock { () -> OutboundConnectionStateMachine.Action in
                guard attempt == self.attempt else { return .none }
                self.channel = channel
                let action = machine.handshakeAccepted()
                if action == .flush { flushScheduled = true }
                return action
            }
            if action == .flush {
                context.callbacks.log(.info, "connected to member \(hex(peerID))")
                flush()
            }
        case .refused(_, removed: true):
            // Logged by the handler; `.closed` follows. The member stops: no peer takes it back.
            context.callbacks.onRemovedFromCluster()
        case .refused, .snapshotAck, .memberList:
            break  // logged by the handler; `.closed` follows
        case .writable:
            let schedule = lock.withLock { () -> Bool in
                guard attempt == self.attempt, !flushScheduled, !pending.isEmpty else { return false }
                flushScheduled = true
                return true
            }
            if schedule { flush() }
        case .closed:
            connectionLost(attempt: attempt)
        }
    }

    private func connectionLost(attempt: Int) {
        let action = lock.withLock { () -> OutboundConnectionStateMachine.Action in
            guard attempt == self.attempt else { return .none }
            channel = nil
            pending.removeAll()
            pendingBytes = 0
            flushScheduled = false
            return machine.connectionLost()
        }
        perform(action)
    }

    private func reconnectTimerFired(attempt: Int) {
        let action = lock.withLock { attempt == self.attempt ? machine.reconnectTimerFired() : .none }
        if action == .connect { connect() }
    }

    /// Writes everything queued as one buffer and flushes once.
    private func flush() {
        eventLoop.assertInEventLoop()
        let taken = lock.withLock { () -> (Channel, [Message], Int)? in
            flushScheduled = false
            guard machine.state == .connected, let channel, channel.isWritable, !pending.isEmpty else { return nil }
            let batch = pending
            let bytes = pendingBytes
            pending.removeAll(keepingCapacity: true)
            pendingBytes = 0
            return (channel, batch, bytes)
        }
        guard let (channel, batch, bytes) = taken else { return }
        let limits = context.configuration.limits
        var buffer = channel.allocator.buffer(capacity: bytes + batch.count * (Frame.headerBytes + Frame.bodyPrefixBytes))
        for message in batch {
            let start = buffer.writerIndex
            let length = Frame.write(.message, into: &buffer) { MessageCodec.encode(message, into: &$0) }
            if length > limits.maxFrameBytes {
                buffer.moveWriterIndex(to: start)
                context.callbacks.log(.error, "dropped a message of \(length) bytes to member \(hex(peerID)): over the frame limit of \(limits.maxFrameBytes)")
            }
        }
        channel.writeAndFlush(buffer, promise: nil)
    }
}
