import ArgumentParser
import EtcdAPI
import Foundation

/// `lease grant <ttl>`: a new lease of `ttl` seconds.
struct LeaseGrant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Creates leases")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<ttl>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else { throw CtlError.badArgs("lease grant command needs TTL argument") }
        var request = Etcdserverpb_LeaseGrantRequest()
        do {
            request.ttl = try GoStrconv.parseInt(self.arguments[0])
        } catch {
            throw CtlError.badArgs("bad TTL (\(error))")
        }
        try await EtcdConnection.with(settings) { connection in
            let response: Etcdserverpb_LeaseGrantResponse
            do {
                response = try await connection.callStatus(EtcdMethod.leaseGrant, request)
            } catch {
                throw CtlError(.error, "failed to grant lease (\(CtlError.text(of: error)))")
            }
            Terminal.write(try settings.printer.leaseGrant(response))
        }
    }
}
