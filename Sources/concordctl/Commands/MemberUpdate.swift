import ArgumentParser
import EtcdAPI

/// `member update <memberID> --peer-urls=…`.
struct MemberUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Updates a member in the cluster")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("peer-urls"), help: "comma separated peer URLs for the updated member.")
    var peerURLs = ""

    @Argument(help: "<memberID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        var request = Etcdserverpb_MemberUpdateRequest()
        request.id = try Member.id(self.arguments)
        request.peerUrls = try Member.peerURLs(self.peerURLs)
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.memberUpdate, request, as: Etcdserverpb_MemberUpdateResponse.self)
            let line =
                "Member \(GoHex.spacePadded(request.id)) updated in cluster \(GoHex.spacePadded(response.header.clusterID))"
            Terminal.write(
                try settings.printer.memberChange(
                    line, header: response.hasHeader ? response.header : nil, members: response.members))
        }
    }
}
