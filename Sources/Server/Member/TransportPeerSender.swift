import Raft
import Transport

/// The run loop's messages, handed to the peer transport (which queues them per peer).
final class TransportPeerSender: PeerSender {
    let transport: PeerTransport

    init(_ transport: PeerTransport) {
        self.transport = transport
    }

    func send(_ messages: [Message]) {
        transport.send(messages)
    }
}
