import GRPCWire
import Raft

/// The plain HTTP pages of the client port: `/health`, `/version` and `/metrics`, in etcd's
/// formats and with etcd's metric names where etcd has them.
struct HTTPStatusEndpoints: Sendable {
    let context: ServiceContext

    func handle(_ path: String) -> HTTPEndpointResponse? {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch route {
        case "/health": return health()
        case "/version":
            let version = MaintenanceService.etcdVersion
            return HTTPEndpointResponse(contentType: "application/json",
                                        body: "{\"etcdserver\":\"\(version)\",\"etcdcluster\":\"\(version)\"}")
        case "/metrics": return HTTPEndpointResponse(contentType: "text/plain; version=0.0.4", body: metrics())
        default: return nil
        }
    }

    /// Healthy: a leader is known and no alarm is raised (etcd 3.4's answer).
    private func health() -> HTTPEndpointResponse {
        let hasLeader = context.node.status.leader != noNode
        let alarms = (try? ClusterRecords.alarms(in: context.store)) ?? []
        let healthy = hasLeader && alarms.isEmpty
        return HTTPEndpointResponse(status: healthy ? 200 : 503, contentType: "application/json",
                                    body: "{\"health\":\"\(healthy)\"}")
    }

    private func metrics() -> String {
        let status = context.node.status
        let live = (try? context.store.liveBytes()) ?? 0
        let size = FileSystemSize.bytes(of: context.store.environment.path + "/data.mdb")
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ value: some Numeric) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            lines.append("\(name) \(value)")
        }
        gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", status.leader != noNode ? 1 : 0)
        gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", status.role == .leader ? 1 : 0)
        gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", status.commitIndex)
        gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", status.appliedIndex)
        gauge("etcd_server_term", "The current Raft term.", status.term)
        gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.", size)
        gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.", live)
        // Quorum awareness (SPEC F6), as this member's configuration has it.
        let quorum = Quorum(voters: status.config.voters.count)
        gauge("concord_cluster_voting_members", "Voting members in the configuration this member knows.", quorum.voters)
        gauge("concord_cluster_learners", "Non-voting members (learners) in the configuration this member knows.", status.config.learners.count)
        gauge("concord_cluster_quorum_size", "Voting members that must agree to elect a leader or commit a write.", quorum.size)
        gauge("concord_cluster_failures_tolerated", "Voting members that may fail while the rest keep a quorum.", quorum.tolerance)
        return lines.joined(separator: "\n") + "\n"
    }
}
