import NIOConcurrencyHelpers
import NIOCore
import Raft

/// How a member that joins a running cluster (`--initial-cluster-state existing`) learns who it
/// is: its ID was chosen by `MemberAdd`, which hashes the time of the add, so it cannot compute
/// it. It asks a running member for the member list over the peer protocol (a `members`
/// stream: hello, the listener's member list, close), as etcd asks its peers' `/members`, and
/// finds itself in it by its peer URLs. The list is opaque here: the member encodes it.
public enum MembershipQuery {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The member list of the member listening at `address`, in cluster `clusterID`.
    public static func memberList(
        at address: PeerAddress, clusterID: UInt64, tls: PeerTLSConfiguration?, group: EventLoopGroup,
        timeout: TimeAmount = .seconds(5), limits: TransportLimits = TransportLimits()
    ) async throws -> [UInt8] {
        let contexts = try tls.map { try PeerTLSContexts($0) }
        let answered = NIOLockedValueBox(false)
        return try await withCheckedThrowingContinuation { continuation in
            let finish: @Sendable (Result<[UInt8], any Error>) -> Void = { result in
                guard answered.withLockedValue({ done in defer { done = true }; return !done }) else { return }
                continuation.resume(with: result)
            }
            let hello = Hello(stream: .members, clusterID: clusterID, from: noNode, to: noNode)
            TransportContext.connect(
                to: address, on: group.next(), hello: hello, limits: limits, tls: contexts,
                connectTimeout: timeout, handshakeTimeout: timeout, log: { _, _ in }
            ) { event in
                switch event {
                case .memberList(let bytes): finish(.success(bytes))
                case .refused(let reason, _): finish(.failure(Failure(description: "member at \(address) refused: \(reason)")))
                case .closed: finish(.failure(Failure(description: "member at \(address) closed the connection without a member list")))
                case .accepted, .writable, .snapshotAck: break
                }
            }.whenFailure { error in
                finish(.failure(Failure(description: "cannot reach \(address): \(error)")))
            }
        }
    }
}
