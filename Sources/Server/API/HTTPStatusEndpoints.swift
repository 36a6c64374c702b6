import GRPCWire
import Raft

/// The plain HTTP pages of the client port: `/health`, `/version` and `/metrics`, in etcd's
/// formats and with etcd's metric names where etcd has them.
struct HTTPStatusEndpoints: Sendable {
    let context: ServiceContext
    /// The client port's calls, by method and code.
    let grpc: GRPCMetrics

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
        let keys = (try? context.store.keyCount()) ?? 0
        let size = context.store.sizeBytes()
        var page = PrometheusText()
        page.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", status.leader != noNode ? 1 : 0)
        page.gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", status.role == .leader ? 1 : 0)
        page.gauge("etcd_server_is_learner", "Whether or not this member is a learner. 1 if is, 0 otherwise.", status.config.learners.contains(context.memberID) ? 1 : 0)
        // Gauges in etcd too, despite the names: they are the Raft indexes.
        page.gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", status.commitIndex)
        page.gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", status.appliedIndex)
        page.gauge("etcd_server_term", "The current Raft term.", status.term)
        context.node.metrics.render(into: &page)
        grpc.render(into: &page)
        page.gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.", size)
        page.gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.", live)
        page.gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", keys)
        // Quorum awareness (SPEC F6), as this member's configuration has it.
        let quorum = Quorum(voters: status.config.voters.count)
        page.gauge("concord_cluster_voting_members", "Voting members in the configuration this member knows.", quorum.voters)
        page.gauge("concord_cluster_learners", "Non-voting members (learners) in the configuration this member knows.", status.config.learners.count)
        page.gauge("concord_cluster_quorum_size", "Voting members that must agree to elect a leader or commit a write.", quorum.size)
        page.gauge("concord_cluster_failures_tolerated", "Voting members that may fail while the rest keep a quorum.", quorum.tolerance)
        return page.text
    }
}
