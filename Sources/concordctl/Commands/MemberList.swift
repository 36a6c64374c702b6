import ArgumentParser
import EtcdAPI
import Foundation

/// `member list`: every member, its state, name and URLs.
struct MemberList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists all members in the cluster")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.memberList, Etcdserverpb_MemberListRequest(), as: Etcdserverpb_MemberListResponse.self)
            Terminal.write(try settings.printer.memberList(response))
        }
    }
}
