import EtcdAPI
import Foundation
import GRPCWire
import NIOCore
import Raft
import Storage

/// What the API's handlers share: the member's run loop, its state, its identity, and the
/// two paths every request takes — a write through the log, a read from a read transaction.
final class ServiceContext: Sendable {
    let node: RaftNode
    let store: MVCCStore
    let clusterID: UInt64
    let memberID: UInt64
    /// How long a request waits for its commit or read index when the client set no deadline
    /// (etcd: 5 s plus two election timeouts).
    let requestTimeout: Duration
    /// etcd's `--max-request-bytes`: larger writes are refused before they reach the log.
    let maxRequestBytes: Int
    let spaceQuota: SpaceQuota
    /// Whether this member's peer link to a member is up (membership changes must not cost
    /// the cluster its working quorum).
    let peerConnected: @Sendable (UInt64) -> Bool
    /// The client certificate for calls this member makes to another member's https client
    /// URL on a client's behalf (a learner's promotion goes to the leader).
    let forwardingTLS: GRPCTLSFiles?

    init(node: RaftNode, store: MVCCStore, clusterID: UInt64, memberID: UInt64, requestTimeout: Duration, maxRequestBytes: Int,
         peerConnected: @escaping @Sendable (UInt64) -> Bool, forwardingTLS: GRPCTLSFiles?) {
        self.peerConnected = peerConnected
        self.forwardingTLS = forwardingTLS
        self.node = node
        self.store = store
        self.clusterID = clusterID
        self.memberID = memberID
        self.requestTimeout = requestTimeout
        self.maxRequestBytes = maxRequestBytes
        spaceQuota = SpaceQuota(node: node, store: store, memberID: memberID)
    }

    func header(revision: Int64) -> Etcdserverpb_ResponseHeader {
        var header = Etcdserverpb_ResponseHeader()
        header.clusterID = clusterID
        header.memberID = memberID
        header.revision = revision
        header.raftTerm = node.status.term
        return header
    }

    /// The response with the header completed: the revision it carries, or else the current one.
    func stamped<Response: EtcdResponse>(_ response: Response) -> Response {
        var response = response
        let revision = response.header.revision != 0 ? response.header.revision : ((try? store.status().revision) ?? 0)
        response.header = header(revision: revision)
        return response
    }

    /// The call's deadline (`grpc-timeout`), never later than the server's request timeout.
    func deadline(for call: GRPCServerCall) -> ContinuousClock.Instant {
        let fallback = ContinuousClock.now + requestTimeout
        guard let deadline = call.deadline else { return fallback }
        let remaining = deadline.uptimeNanoseconds > NIODeadline.now().uptimeNanoseconds
            ? Int64(deadline.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds) : 0
        return min(fallback, ContinuousClock.now + .nanoseconds(remaining))
    }

    // MARK: Writes

    /// Proposes `request` and answers the call with what the applier returned (through
    /// `answer`, when the applier's result is not the response itself). Writes that add data
    /// are `checkingQuota`: refused once live data would pass `--quota-backend-bytes`.
    func propose<Response: EtcdResponse>(
        _ request: ReplicatedRequest, _ responder: GRPCUnaryResponder<Response>, checkingQuota: Bool = false,
        answer: @escaping @Sendable (any Sendable) throws -> Response = { $0 as! Response }
    ) {
        let payload = request.encoded()
        guard payload.count <= maxRequestBytes else {
            responder.fail(EtcdError.requestTooLarge)
            return
        }
        if checkingQuota && !spaceQuota.admits(bytes: payload.count) {
            responder.fail(EtcdError.spaceExceeded)
            return
        }
        node.propose(payload, deadline: deadline(for: responder.call)) { [self] result in
            switch result {
            case .success(let applied):
                do {
                    let response = try (applied.result as! EtcdApplier.Outcome).get()
                    responder.succeed(stamped(try answer(response)))
                } catch {
                    responder.fail(EtcdError.status(error))
                }
            case .failure(let error):
                node.metrics.recordFailedProposal()
                responder.fail(EtcdError.status(error))
            }
        }
    }

    // MARK: Reads

    /// Answers a read: at once from a read transaction when `serializable`, otherwise once
    /// this member has applied everything committed when the read arrived (ReadIndex). The
    /// read itself runs on the call's event loop, never on the run loop.
    func read<Response: EtcdResponse>(serializable: Bool, _ responder: GRPCUnaryResponder<Response>, _ body: @escaping @Sendable () throws -> Response) {
        let call = responder.call
        let serve: @Sendable () -> Void = { [self] in
            do {
                responder.succeed(stamped(try body()))
            } catch {
                responder.fail(EtcdError.status(error))
            }
        }
        if serializable {
            serve()
            return
        }
        node.linearizableRead(deadline: deadline(for: call)) { result in
            switch result {
            case .success: call.eventLoop.execute(serve)
            case .failure(let error): responder.fail(EtcdError.status(error))
            }
        }
    }
}
