import EtcdAPI
import Foundation
import GRPCWire
import Raft

/// etcd's Cluster service. Membership changes go through the Raft core one at a time
/// (single-server changes); their records are written when they are applied.
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
                    let members = try ClusterRecords.members(in: context.store)
                    let id = MemberIdentity.memberID(peerURLs: request.peerUrls, clusterToken: clusterToken)
                    if members.contains(where: { $0.id == id }) { throw EtcdError.memberIDExists }
                    if members.contains(where: { !Set($0.peerUrls).isDisjoint(with: request.peerUrls) }) { throw EtcdError.peerURLExists }
                    var member = Etcdserverpb_Member()
                    member.id = MemberIdentity.memberID(peerURLs: request.peerUrls, clusterToken: clusterToken)
                    member.peerUrls = request.peerUrls
                    member.isLearner = request.isLearner
                    let change = ConfChange(operation: request.isLearner ? .addLearner : .addVoter, nodeID: member.id, context: try member.serializedBytes())
                    return (change, { response in response.member = member })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberRemove") { (request: Etcdserverpb_MemberRemoveRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberRemoveResponse>) in
                change(context, responder) {
                    guard context.node.status.config.isMember(request.id) else { throw EtcdError.memberNotFound }
                    return (ConfChange(operation: .removeNode, nodeID: request.id), { _ in })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberPromote") { (request: Etcdserverpb_MemberPromoteRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberPromoteResponse>) in
                change(context, responder) {
                    let config = context.node.status.config
                    guard config.isMember(request.id) else { throw EtcdError.memberNotFound }
                    guard config.isLearner(request.id) else { throw EtcdError.memberNotLearner }
                    return (ConfChange(operation: .addVoter, nodeID: request.id), { _ in })
                }
            },
            .unary("/etcdserverpb.Cluster/MemberUpdate") { (request: Etcdserverpb_MemberUpdateRequest, responder: GRPCUnaryResponder<Etcdserverpb_MemberUpdateResponse>) in
                guard context.node.status.config.isMember(request.id) else { return responder.fail(EtcdError.memberNotFound) }
                let members = (try? ClusterRecords.members(in: context.store)) ?? []
                if members.contains(where: { $0.id != request.id && !Set($0.peerUrls).isDisjoint(with: request.peerUrls) }) {
                    return responder.fail(EtcdError.peerURLExists)
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
}

/// Responses to membership changes list the members after the change.
protocol MemberListCarrying {
    var members: [Etcdserverpb_Member] { get set }
}

extension Etcdserverpb_MemberAddResponse: MemberListCarrying {}
extension Etcdserverpb_MemberRemoveResponse: MemberListCarrying {}
extension Etcdserverpb_MemberPromoteResponse: MemberListCarrying {}
extension Etcdserverpb_MemberUpdateResponse: MemberListCarrying {}
