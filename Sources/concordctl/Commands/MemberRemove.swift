import ArgumentParser
import EtcdAPI

/// `member remove <memberID>`.
struct MemberRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Removes a member from the cluster")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<memberID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        var request = Etcdserverpb_MemberRemoveRequest()
        request.id = try Member.id(self.arguments)
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.memberRemove, request, as: Etcdserverpb_MemberRemoveResponse.self)
            let line =
                "Member \(GoHex.spacePadded(request.id)) removed from cluster \(GoHex.spacePadded(response.header.clusterID))"
            Terminal.write(
                try settings.printer.memberChange(
                    line, header: response.hasHeader ? response.header : nil, members: response.members))
        }
    }
}
