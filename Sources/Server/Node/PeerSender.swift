import Raft

/// Where the node's messages go: the peer transport, or an in-memory one in tests. `send` must
/// not block: it queues, and reports loss through the node's `reportUnreachable`.
public protocol PeerSender: AnyObject, Sendable {
    func send(_ messages: [Message])
}
