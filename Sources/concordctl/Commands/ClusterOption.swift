import ArgumentParser
import EtcdAPI

/// `--cluster`: the endpoints are every member's client URLs, from the member list.
struct ClusterOption: ParsableArguments {
    @Flag(help: "use all endpoints from the cluster member list")
    var cluster = false

    func endpoints(_ settings: Settings) async throws -> [String] {
        guard self.cluster else { return settings.endpoints }
        return try await EtcdConnection.with(settings) { connection in
            do {
                let members: Etcdserverpb_MemberListResponse = try await connection.callStatus(
                    EtcdMethod.memberList, Etcdserverpb_MemberListRequest())
                return members.members.flatMap(\.clientUrls)
            } catch {
                throw CtlError(
                    .error, "failed to fetch endpoints from etcd cluster member list: \(CtlError.text(of: error))")
            }
        }
    }
}
