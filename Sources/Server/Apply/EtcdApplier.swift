import EtcdAPI
import GRPCWire
import Raft
import Storage

/// Applies etcd's requests from the log to the key space and the cluster records.
///
/// Runs on the state environment's writer, inside the batch's transaction. Every member
/// applies the same entries to the same state, so everything here is deterministic: no clock,
/// no local configuration. A request's own failure (a compacted revision, a Txn's bad key)
/// becomes its result, `.failure(GRPCStatus)`; anything thrown is a failure of the state
/// environment and stops the member.
struct EtcdApplier: EntryApplier {
    /// Told about each applied membership change, after its record is written (the transport
    /// learns new peers' addresses this way).
    let onMembershipChange: @Sendable (MembershipChange) -> Void

    typealias Outcome = Result<any Sendable, GRPCStatus>

    func apply(_ payload: [UInt8], to batch: inout MVCCWriteBatch) throws -> any Sendable {
        let request: ReplicatedRequest
        do {
            request = try ReplicatedRequest(decoding: payload)
        } catch {
            // Every member fails the same entry the same way; the proposer learns why.
            return Outcome.failure(GRPCStatus(.internal, "etcdserver: cannot decode entry: \(error)"))
        }
        switch request {
        case .put(let r):
            if let refused = refusingLeases(r.lease) { return refused }
            return try outcome { Etcdserverpb_PutResponse(try batch.put(PutRequest(r))) }
        case .deleteRange(let r):
            return try outcome { Etcdserverpb_DeleteRangeResponse(try batch.deleteRange(DeleteRangeRequest(r))) }
        case .txn(let r):
            guard let txn = TxnRequest(r) else { return Outcome.failure(GRPCStatus(.invalidArgument, "etcdserver: request is not a valid txn")) }
            if let refused = refusingLeases(txn) { return refused }
            return try outcome { Etcdserverpb_TxnResponse(try batch.txn(txn)) }
        case .compaction(let r):
            return try outcome {
                var response = Etcdserverpb_CompactionResponse()
                response.header.revision = try batch.compact(r.revision)
                return response
            }
        case .publishMember(let attributes):
            return try publish(attributes, &batch)
        case .updateMember(let r):
            return try update(r, &batch)
        case .alarm(let r):
            return try alarm(r, &batch)
        }
    }

    func apply(_ change: ConfChange, context: [UInt8], to batch: inout MVCCWriteBatch) throws {
        let key = ClusterRecords.memberKey(change.nodeID)
        switch change.operation {
        case .addVoter, .addLearner:
            var member = try batch.clusterRecord(key).map { try Etcdserverpb_Member(serializedBytes: $0) }
                ?? (try Etcdserverpb_Member(serializedBytes: context))
            member.id = change.nodeID
            member.isLearner = change.operation == .addLearner
            try batch.setClusterRecord(key, try member.serializedBytes())
            onMembershipChange(.added(member))
        case .removeNode:
            try batch.setClusterRecord(key, nil)
            try batch.setClusterRecord(ClusterRecords.removedKey(change.nodeID), [])
            for alarm in [Etcdserverpb_AlarmType.nospace, .corrupt] {
                try batch.setClusterRecord(ClusterRecords.alarmKey(member: change.nodeID, alarm: alarm), nil)
            }
            onMembershipChange(.removed(change.nodeID))
        }
    }

    func confState(in store: MVCCStore) throws -> ConfState {
        let members = try ClusterRecords.members(in: store)
        return ConfState(voters: members.filter { !$0.isLearner }.map(\.id), learners: members.filter(\.isLearner).map(\.id))
    }

    func restored(from store: MVCCStore) throws {
        onMembershipChange(.restored(try ClusterRecords.members(in: store), removed: try ClusterRecords.removedIDs(in: store)))
    }

    // MARK: Requests

    /// The request's result or its own failure; other errors (the environment's) propagate.
    private func outcome(_ body: () throws -> any Sendable) throws -> Outcome {
        do {
            return .success(try body())
        } catch let error as MVCCError {
            return .failure(EtcdError.status(error))
        }
    }

    /// Leases are not granted by this server yet, so any lease a write names does not exist,
    /// which etcd answers with "requested lease not found".
    private func refusingLeases(_ lease: Int64) -> Outcome? {
        lease != 0 ? .failure(EtcdError.leaseNotFound) : nil
    }

    private func refusingLeases(_ txn: TxnRequest) -> Outcome? {
        for op in txn.success + txn.failure {
            switch op {
            case .put(let put): if let refused = refusingLeases(put.lease) { return refused }
            case .txn(let nested): if let refused = refusingLeases(nested) { return refused }
            default: continue
            }
        }
        return nil
    }

    private func publish(_ attributes: Etcdserverpb_Member, _ batch: inout MVCCWriteBatch) throws -> Outcome {
        let key = ClusterRecords.memberKey(attributes.id)
        guard let stored = try batch.clusterRecord(key) else { return .failure(EtcdError.memberNotFound) }
        var member = try Etcdserverpb_Member(serializedBytes: stored)
        member.name = attributes.name
        member.clientUrls = attributes.clientUrls
        try batch.setClusterRecord(key, try member.serializedBytes())
        return .success(member)
    }

    private func update(_ r: Etcdserverpb_MemberUpdateRequest, _ batch: inout MVCCWriteBatch) throws -> Outcome {
        let key = ClusterRecords.memberKey(r.id)
        guard let stored = try batch.clusterRecord(key) else { return .failure(EtcdError.memberNotFound) }
        var member = try Etcdserverpb_Member(serializedBytes: stored)
        member.peerUrls = r.peerUrls
        try batch.setClusterRecord(key, try member.serializedBytes())
        onMembershipChange(.updated(member))
        return .success(member)
    }

    private func alarm(_ r: Etcdserverpb_AlarmRequest, _ batch: inout MVCCWriteBatch) throws -> Outcome {
        var response = Etcdserverpb_AlarmResponse()
        var alarm = Etcdserverpb_AlarmMember()
        alarm.memberID = r.memberID
        alarm.alarm = r.alarm
        let key = ClusterRecords.alarmKey(member: r.memberID, alarm: r.alarm)
        switch r.action {
        case .activate:
            guard r.alarm != .none else { return .success(response) }
            try batch.setClusterRecord(key, try alarm.serializedBytes())
            response.alarms = [alarm]
        case .deactivate:
            if try batch.clusterRecord(key) != nil {
                try batch.setClusterRecord(key, nil)
                response.alarms = [alarm]
            }
        default:
            break
        }
        return .success(response)
    }
}

/// A membership change as applied, for those who keep per-member state (the transport).
enum MembershipChange: Sendable {
    case added(Etcdserverpb_Member)
    case updated(Etcdserverpb_Member)
    case removed(UInt64)
    /// The state was replaced by a snapshot: these are the members now, and those removed.
    case restored([Etcdserverpb_Member], removed: Set<UInt64>)
}
