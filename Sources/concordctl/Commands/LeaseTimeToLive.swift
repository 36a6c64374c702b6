import ArgumentParser
import EtcdAPI
import Foundation

/// `lease timetolive <leaseID> [--keys]`: the lease's granted and remaining TTL, and its keys.
struct LeaseTimeToLive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timetolive", abstract: "Get lease information")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Get keys attached to this lease")
    var keys = false

    @Argument(help: "<leaseID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else {
            throw CtlError.badArgs("lease timetolive command needs lease ID as argument")
        }
        var request = Etcdserverpb_LeaseTimeToLiveRequest()
        request.id = try Lease.id(self.arguments[0])
        request.keys = self.keys
        try await EtcdConnection.with(settings) { connection in
            let response: Etcdserverpb_LeaseTimeToLiveResponse
            do {
                response = try await connection.callStatus(EtcdMethod.leaseTimeToLive, request)
            } catch {
                throw CtlError(error, exit: .badConnection)
            }
            Terminal.write(try settings.printer.leaseTimeToLive(response, keys: self.keys))
        }
    }
}
