import NIOCore

/// Tells HTTP/2 from HTTP/1.1 on a connection by its first bytes, as etcd's client port does
/// (cmux): an HTTP/2 client opens with the fixed preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
/// (RFC 7540 §3.5), and no HTTP/1.1 request starts with "PRI ".
///
/// Holds the bytes until it can tell, then hands the connection to the protocol's handlers and
/// replays the bytes to them. Over TLS it runs after the handshake, whatever ALPN chose.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Verdict: Equatable {
        case http2
        case http1
        case needMoreBytes
    }

    static let http2Preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// The verdict on the first bytes of a connection.
    static func verdict(_ bytes: ByteBuffer) -> Verdict {
        let count = min(bytes.readableBytes, Self.http2Preface.count)
        let prefix = bytes.getBytes(at: bytes.readerIndex, length: count)!
        guard prefix.elementsEqual(Self.http2Preface[0..<count]) else { return .http1 }
        return count == Self.http2Preface.count ? .http2 : .needMoreBytes
    }

    private var buffered: ByteBuffer?
    private let configure: @Sendable (Channel, Verdict) throws -> Void

    /// - Parameter configure: adds the chosen protocol's handlers (after this one) to the channel's
    ///   pipeline; called on the event loop.
    init(configure: @escaping @Sendable (Channel, Verdict) throws -> Void) {
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if var buffered = self.buffered {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        let verdict = Self.verdict(bytes)
        guard verdict != .needMoreBytes else {
            self.buffered = bytes
            return
        }
        self.buffered = nil
        do {
            try self.configure(context.channel, verdict)
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(self.wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
