import ArgumentParser
import EtcdAPI
import Foundation

/// `lease list`: the IDs of every live lease.
struct LeaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List all active leases")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        try await EtcdConnection.with(settings) { connection in
            let response: Etcdserverpb_LeaseLeasesResponse
            do {
                response = try await connection.callStatus(EtcdMethod.leaseLeases, Etcdserverpb_LeaseLeasesRequest())
            } catch {
                throw CtlError(error, exit: .badConnection)
            }
            Terminal.write(try settings.printer.leaseList(response))
        }
    }
}
