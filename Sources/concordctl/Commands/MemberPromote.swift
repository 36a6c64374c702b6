import ArgumentParser
import EtcdAPI

/// `member promote <memberID>`: a learner becomes a voting member.
struct MemberPromote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Promotes a non-voting member in the cluster")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<memberID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        var request = Etcdserverpb_MemberPromoteRequest()
        request.id = try Member.id(self.arguments)
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.memberPromote, request, as: Etcdserverpb_MemberPromoteResponse.self)
            let line =
                "Member \(GoHex.spacePadded(request.id)) promoted in cluster \(GoHex.spacePadded(response.header.clusterID))"
            Terminal.write(
                try settings.printer.memberChange(
                    line, header: response.hasHeader ? response.header : nil, members: response.members))
        }
    }
}
