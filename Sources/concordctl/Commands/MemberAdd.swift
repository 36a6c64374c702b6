import ArgumentParser
import EtcdAPI
import Foundation
import GoText

/// `member add <memberName> --peer-urls=…`; the simple format adds the environment the new
/// member starts with.
struct MemberAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Adds a member into the cluster")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("peer-urls"), help: "comma separated peer URLs for the new member.")
    var peerURLs = ""

    @Flag(help: "indicates if the new member is raft learner")
    var learner = false

    @Argument(help: "<memberName>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard let name = self.arguments.first, self.arguments.count == 1 else {
            throw CtlError.badArgs("member name not provided")
        }
        var request = Etcdserverpb_MemberAddRequest()
        request.peerUrls = try Member.peerURLs(self.peerURLs)
        request.isLearner = self.learner
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.memberAdd, request, as: Etcdserverpb_MemberAddResponse.self)
            let line =
                "Member \(GoHex.spacePadded(response.member.id)) added to cluster \(GoHex.spacePadded(response.header.clusterID))"
            var text = try settings.printer.memberChange(
                line, header: response.hasHeader ? response.header : nil,
                member: response.hasMember ? response.member : nil, members: response.members)
            if settings.printer.format == .simple {
                let cluster = response.members.flatMap { member in
                    member.peerUrls.map { "\(member.id == response.member.id ? name : member.name)=\($0)" }
                }
                text.line()
                text.line("ETCD_NAME=\(GoQuote.quote(name))")
                text.line("ETCD_INITIAL_CLUSTER=\(GoQuote.quote(cluster.joined(separator: ",")))")
                text.line("ETCD_INITIAL_ADVERTISE_PEER_URLS=\(GoQuote.quote(request.peerUrls.joined(separator: ",")))")
                text.line("ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
            }
            Terminal.write(text)
        }
    }
}
