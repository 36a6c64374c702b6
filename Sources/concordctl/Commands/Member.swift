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
