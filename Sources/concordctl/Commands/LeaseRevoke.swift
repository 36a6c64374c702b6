import ArgumentParser
import EtcdAPI
import Foundation

/// `lease revoke <leaseID>`: the lease ends now, and the keys attached to it are deleted.
struct LeaseRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revokes leases")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<leaseID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else { throw CtlError.badArgs("lease revoke command needs 1 argument") }
        var request = Etcdserverpb_LeaseRevokeRequest()
        request.id = try Lease.id(self.arguments[0])
        try await EtcdConnection.with(settings) { connection in
            let response: Etcdserverpb_LeaseRevokeResponse
            do {
                response = try await connection.callStatus(EtcdMethod.leaseRevoke, request)
            } catch {
                throw CtlError(.error, "failed to revoke lease (\(CtlError.text(of: error)))")
            }
            Terminal.write(try settings.printer.leaseRevoke(request.id, response))
        }
    }
}
