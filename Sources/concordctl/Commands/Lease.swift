import ArgumentParser
import EtcdAPI
import Foundation

/// `lease <subcommand>`.
struct Lease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lease related commands",
        subcommands: [LeaseGrant.self, LeaseRevoke.self, LeaseTimeToLive.self, LeaseList.self, LeaseKeepAlive.self])

    /// etcdctl's `leaseFromArgs`: a lease ID is hexadecimal.
    static func id(_ text: String) throws(CtlError) -> Int64 {
        do {
            return try GoStrconv.parseInt(text, radix: 16)
        } catch {
            throw .badArgs("bad lease ID arg (\(error)), expecting ID in Hex")
        }
    }
}
