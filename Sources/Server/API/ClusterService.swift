import EtcdAPI
import Foundation
import GRPCWire
import NIOCore
import Raft

/// etcd's Cluster service. Membership changes go through the Raft core one at a time
/// (single-server changes); their records are written when they are applied. Each change is
/// first checked as etcd 3.4 checks it with `--strict-reconfig-check` (its default), with
/// etcd's errors: a change that would leave the cluster without a working quorum is refused
/// before it reaches the log (`MembershipChecks`).
enum ClusterService {
    static func methods(_ context: ServiceContext, clusterToken: String) -> [GRPCServerMethod] {
        [
            .unary("/etcdserverpb.Cluster/MemberList") { (_: Etcdserverpb_MemberListRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberListResponse>) in
                do {
                    var response = Etcdserverpb_MemberListResponse()
                    response.members = try ClusterRecords.members(in: context.store)
                    responder.succeed(context.stamped(response))
                } catch {
                    responder.fail(EtcdError.status(error))
                }
            },
            .unary("/etcdserverpb.Cluster/MemberAdd") { (request: Etcdserverpb_MemberAddRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberAddResponse>) in
                change(context, responder) {
                    let checks = try MembershipChecks(context)
                    try checks.mayAdd(peerURLs: request.peerUrls, isLearner: request.isLearner)
                    // The time of the add makes the ID new even for URLs a removed member had.
                    let addedAt = UInt64(Date().timeIntervalSince1970 * 1e9)
                    var member = Etcdserverpb_Member()
                    member.id = MemberIdentity.memberID(peerURLs: request.peerUrls, clusterToken: clusterToken, addedAt: addedAt)
                    if checks.isKnown(member.id) { throw EtcdError.memberIDExists }
                    member.peerUrls = request.peerUrls
                    member.isLearner = request.isLearner
                    let change = ConfChange(operation: request.isLearner ? .addLearner : .addVoter, nodeID: member.id, context: try member.serializedBytes())
                    return (change, { response in response.member = member })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberRemove") { (request: Etcdserverpb_MemberRemoveRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberRemoveResponse>) in
                change(context, responder) {
                    try MembershipChecks(context).mayRemove(request.id)
                    return (ConfChange(operation: .removeNode, nodeID: request.id), { _ in })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberPromote") { (request: Etcdserverpb_MemberPromoteRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberPromoteResponse>) in
                let checks: MembershipChecks
                do {
                    checks = try MembershipChecks(context)
                    try checks.mayPromote(request.id)
                } catch {
                    return responder.fail(EtcdError.status(error))
                }
                // Only the leader knows how far a learner got: elsewhere the call goes to it.
                guard context.node.status.role == .leader else {
                    return forwardToLeader(context, request, responder)
                }
                change(context, responder) {
                    try checks.isLearnerReady(request.id)
                    return (ConfChange(operation: .addVoter, nodeID: request.id), { _ in })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberUpdate") { (request: Etcdserverpb_MemberUpdateRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberUpdateResponse>) in
                do {
                    try MembershipChecks(context).mayUpdate(request.id, peerURLs: request.peerUrls)
                } catch {
                    return responder.fail(EtcdError.status(error))
                }
                context.propose(.updateMember(request), responder) { _ in
                    var response = Etcdserverpb_MemberUpdateResponse()
                    response.members = try ClusterRecords.members(in: context.store)
                    return response
                }
            },
        ]
    }

    /// Proposes the change `prepare` describes and answers with the member list after it.
    private static func change<Response: EtcdResponse & MemberListCarrying>(
        _ context: ServiceContext, _ responder: GRPCUnaryResponder<Response>,
        _ prepare: () throws -> (ConfChange, (inout Response) -> Void)
    ) {
        let change: ConfChange
        let complete: (inout Response) -> Void
        do {
            (change, complete) = try prepare()
        } catch {
            return responder.fail(EtcdError.status(error))
        }
        var response = Response()
        complete(&response)
        let prepared = response
        let deadline = context.deadline(for: responder.call)
        Task {
            do {
                try await context.node.proposeConfChange(change, timeout: deadline - .now)
                var answer = prepared
                answer.members = try ClusterRecords.members(in: context.store)
                responder.succeed(context.stamped(answer))
            } catch {
                responder.fail(EtcdError.status(error))
            }
        }
    }

    /// etcd forwards a promotion to the leader (over its peer port); Concord calls the
    /// leader's advertised client URLs, with this member's client certificate when they are
    /// https, and answers with whatever the leader answered.
    private static func forwardToLeader(
        _ context: ServiceContext, _ request: Etcdserverpb_MemberPromoteRequest,
        _ responder: GRPCUnaryResponder<Etcdserverpb_MemberPromoteResponse>
    ) {
        let leader = context.node.status.leader
        let urls = ((try? ClusterRecords.members(in: context.store)) ?? []).first { $0.id == leader }?.clientUrls ?? []
        let endpoints = urls.compactMap { try? ServerURL(parsing: $0) }
        guard leader != noNode, let first = endpoints.first else { return responder.fail(EtcdError.noLeader) }
        let tls = first.isTLS ? (context.forwardingTLS ?? GRPCTLSFiles()) : nil
        let deadline = context.deadline(for: responder.call)
        Task {
            do {
                let client = try GRPCClient(
                    GRPCClient.Configuration(endpoints: endpoints.filter { $0.isTLS == first.isTLS }.map { "\($0.host):\($0.port)" }, tls: tls),
                    group: responder.call.eventLoop)
                defer { Task { await client.close() } }
                let remaining = max(Int64(0), Int64((deadline - .now).seconds * 1e9))
                let response: Etcdserverpb_MemberPromoteResponse = try await client.unary(
                    "/etcdserverpb.Cluster/MemberPromote", request, timeout: .nanoseconds(remaining))
                responder.succeed(response)
            } catch {
                responder.fail(EtcdError.status(error))
            }
        }
    }
}

/// Responses to membership changes list the members after the change.
protocol MemberListCarrying {
    var members: [Etcdserverpb_Member] { get set }
}

extension Etcdserverpb_MemberAddResponse: MemberListCarrying {}
extension Etcdserverpb_MemberRemoveResponse: MemberListCarrying {}
extension Etcdserverpb_MemberPromoteResponse: MemberListCarrying {}
extension Etcdserverpb_MemberUpdateResponse: MemberListCarrying {}
