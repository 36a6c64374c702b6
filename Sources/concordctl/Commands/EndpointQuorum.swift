import ArgumentParser
import EtcdAPI

/// `endpoint quorum` (Concord's own; etcdctl has none): the quorum advisor of SPEC B3.
///
/// etcd's Status message has no room for quorum facts without breaking its wire format, so
/// this asks what any etcd v3 cluster answers: the member list, then each member's Status at
/// its own client URLs. A member that does not answer within the dial timeout counts as down.
/// The exit status is 1 when the voting members that answer are fewer than a quorum or know
/// no leader.
struct EndpointQuorum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "Prints the quorum size, the voting members reachable now, the failures tolerated now and what losing one more member would do")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        let list = try await EtcdConnection.with(settings) { connection in
            try await connection.call(
                EtcdMethod.memberList, Etcdserverpb_MemberListRequest(), as: Etcdserverpb_MemberListResponse.self)
        }
        let members = await withTaskGroup(of: (Int, QuorumReport.Member).self) { group in
            for (index, member) in list.members.enumerated() {
                group.addTask { (index, QuorumReport.Member(member: member, status: await Self.status(of: member, settings))) }
            }
            var members: [(Int, QuorumReport.Member)] = []
            for await member in group { members.append(member) }
            return members.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let report = QuorumReport(members: members)
        Terminal.write(try settings.printer.quorum(report))
        if !report.isServing { throw CtlError.reported(.error) }
    }

    /// The member's Status from its own client URLs, waiting no longer than the dial timeout.
    private static func status(of member: Etcdserverpb_Member, _ settings: Settings) async -> Result<Etcdserverpb_StatusResponse, CtlError> {
        guard !member.clientUrls.isEmpty else { return .failure(CtlError(.error, "not started")) }
        do {
            let status = try await EtcdConnection.with(settings, endpoints: member.clientUrls) { connection in
                try await connection.call(EtcdMethod.status, Etcdserverpb_StatusRequest(), as: Etcdserverpb_StatusResponse.self,
                                          timeout: settings.dialTimeout)
            }
            return .success(status)
        } catch {
            return .failure(CtlError(error))
        }
    }
}
