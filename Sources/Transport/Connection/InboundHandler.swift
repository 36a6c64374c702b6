import NIOCore
import Raft

/// The listener's end of one peer connection: it performs what `InboundConnectionStateMachine`
/// decides. Messages read in one go are delivered together at `channelReadComplete`.
final class InboundHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var machine: InboundConnectionStateMachine
    private let context: TransportContext
    private var batch: [Message] = []
    private var handshakeTimeout: Scheduled<Void>?
    private var remote = "?"
    /// Set once a snapshot stream is accepted: its failures are answered with a failed ack.
    private var snapshotStream = false

    init(context: TransportContext) {
        self.context = context
        self.machine = InboundConnectionStateMachine(
            clusterID: context.configuration.clusterID, localID: context.configuration.memberID,
            limits: context.configuration.limits, isRemoved: context.isRemoved)
    }

    func handlerAdded(context channelContext: ChannelHandlerContext) {
        remote = channelContext.channel.remoteAddress.map { "\($0)" } ?? "?"
        let channel = channelContext.channel
        let log = context.callbacks.log
        let remote = self.remote
        handshakeTimeout = channelContext.eventLoop.scheduleTask(in: context.configuration.handshakeTimeout) {
            log(.warning, "closing peer connection from \(remote): no handshake in time")
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch machine.receive(frame) {
        case let .accept(hello):
            handshakeTimeout?.cancel()
            snapshotStream = hello.stream == .snapshot
            context.callbacks.log(.info, "accepted \(hello.stream) connection from member \(hex(hello.from)) at \(remote)")
            reply(Verdict.accept, kind: .helloReply, context: channelContext)
        case .answerMembers:
            handshakeTimeout?.cancel()
            reply(Verdict.accept, kind: .helloReply, context: channelContext)
            let members = context.callbacks.memberList()
            var buffer = channelContext.channel.allocator.buffer(capacity: Frame.headerBytes + Frame.bodyPrefixBytes + members.count)
            Frame.write(.memberList, into: &buffer) { $0.writeBytes(members) }
            let channel = channelContext.channel
            channelContext.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        case let .refuse(hello, refusal):
            handshakeTimeout?.cancel()
            context.callbacks.log(.warning, "refused peer connection from member \(hex(hello.from)) at \(remote): \(refusal)")
            let removed = if case .removedMember = refusal { true } else { false }
            reply(Verdict(accepted: false, reason: refusal.description, removed: removed), kind: .helloReply, context: channelContext)
            channelContext.close(promise: nil)
        case let .deliver(message):
            batch.append(message)
        case .none:
            break
        case let .deliverSnapshot(message):
            deliverBatch()
            context.callbacks.log(.info, "received snapshot from member \(hex(message.from))")
            context.callbacks.onMessages([message])
            reply(Verdict.accept, kind: .snapshotAck, context: channelContext)
        case let .fail(error):
            fail(error, context: channelContext)
        }
    }

    func channelReadComplete(context channelContext: ChannelHandlerContext) {
        deliverBatch()
        channelContext.fireChannelReadComplete()
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        fail(error, context: channelContext)
    }

    private func fail(_ error: Error, context channelContext: ChannelHandlerContext) {
        deliverBatch()  // what arrived whole before the bad frame is good
        let peer = machine.peer.map { "member \(hex($0)) at " } ?? ""
        context.callbacks.log(.warning, "closing peer connection from \(peer)\(remote): \(error)")
        if snapshotStream {
            // Tell the sender why, so that its log says more than "connection closed".
            snapshotStream = false
            reply(Verdict(accepted: false, reason: "\(error)"), kind: .snapshotAck, context: channelContext)
        }
        channelContext.close(promise: nil)
    }

    private func deliverBatch() {
        guard !batch.isEmpty else { return }
        let messages = batch
        batch.removeAll(keepingCapacity: true)
        context.callbacks.onMessages(messages)
    }

    private func reply(_ verdict: Verdict, kind: Frame.Kind, context channelContext: ChannelHandlerContext) {
        var buffer = channelContext.channel.allocator.buffer(capacity: 16 + verdict.reason.utf8.count)
        verdict.write(kind, into: &buffer, limits: context.configuration.limits)
        channelContext.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
