import ArgumentParser
import EtcdAPI
import Foundation

/// `member <subcommand>`.
struct Member: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Membership related commands",
        subcommands: [MemberAdd.self, MemberRemove.self, MemberUpdate.self, MemberList.self, MemberPromote.self])

    /// A member ID argument: hexadecimal, as etcdctl prints it.
    static func id(_ arguments: [String]) throws(CtlError) -> UInt64 {
        guard let text = arguments.first, arguments.count == 1 else { throw .badArgs("member ID is not provided") }
        do {
            return try GoStrconv.parseUInt(text, radix: 16)
        } catch {
            throw .badArgs("bad member ID arg (\(error)), expecting ID in Hex")
        }
    }

    /// `--peer-urls`: comma-separated, required.
    static func peerURLs(_ text: String) throws(CtlError) -> [String] {
        guard !text.isEmpty else { throw .badArgs("member peer urls not provided") }
        return text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}

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
