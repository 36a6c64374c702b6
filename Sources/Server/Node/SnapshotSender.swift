import Dispatch
import Raft
import Storage

/// Sends the leader's snapshot messages with the file's bytes in place of its name.
///
/// The Raft core asks for a snapshot with the log's record, whose data is only the file's name
/// (`SnapshotDirectory`); reading the file takes time, so it is done here, on a queue of its
/// own, and never on the run loop. The core sends at most one snapshot per follower at a time
/// (the follower's progress waits in the snapshot state), so this queue holds at most one
/// message per member.
///
/// Memory: the file is held whole while it is sent (the transport frames the message from one
/// buffer; it refuses snapshots above `TransportLimits.maxSnapshotBytes`).
final class SnapshotSender: Sendable {
    private let queue = DispatchQueue(label: "concord.snapshot-sender")
    private let directory: SnapshotDirectory
    private let peers: any PeerSender
    private let failed: @Sendable (NodeID) -> Void

    /// `failed` is told when the file cannot be read (the core then tries again later).
    init(directory: SnapshotDirectory, peers: any PeerSender, failed: @escaping @Sendable (NodeID) -> Void) {
        self.directory = directory
        self.peers = peers
        self.failed = failed
    }

    func send(_ message: Message) {
        guard case .snapshot(let record) = message.payload else { preconditionFailure("not a snapshot message: \(message)") }
        queue.async { [directory, peers, failed] in
            var message = message
            do {
                guard let path = directory.path(of: record) else {
                    failed(message.to)
                    return
                }
                var snapshot = record
                snapshot.data = try SnapshotFile.contents(of: path)
                message.payload = .snapshot(snapshot)
            } catch {
                failed(message.to)
                return
            }
            peers.send([message])
        }
    }
}
