import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire

/// `lease keep-alive [options] <leaseID>`: renews the lease every third of its TTL, printing
/// each renewal, until it expires or is revoked; with `--once`, renews it once.
struct LeaseKeepAlive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keep-alive", abstract: "Keeps leases alive (renew)")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Resets the keep-alive time to its original value and exits immediately")
    var once = false

    @Argument(help: "<leaseID>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else {
            throw CtlError.badArgs("lease keep-alive command needs lease ID as argument")
        }
        var request = Etcdserverpb_LeaseKeepAliveRequest()
        request.id = try Lease.id(self.arguments[0])
        try await EtcdConnection.with(settings) { connection in
            let stream = try await connection.stream(
                EtcdMethod.leaseKeepAlive, requestType: Etcdserverpb_LeaseKeepAliveRequest.self,
                responseType: Etcdserverpb_LeaseKeepAliveResponse.self, requireLeader: true)
            defer { stream.cancel() }
            var responses = stream.responses.makeAsyncIterator()
            do {
                while true {
                    try stream.send(request)
                    guard let response = try await responses.next(), response.ttl > 0 else {
                        if self.once { throw CtlError(.badConnection, "etcdserver: requested lease not found") }
                        break
                    }
                    Terminal.write(try settings.printer.leaseKeepAlive(response))
                    if self.once { return }
                    try await Task.sleep(for: .seconds(max(1, response.ttl / 3)))
                }
            } catch let status as GRPCStatus {
                throw CtlError(status, exit: .badConnection)
            }
            if settings.printer.format == .simple {
                var text = Text()
                text.line("lease \(GoHex.zeroPadded(request.id)) expired or revoked.")
                Terminal.write(text)
            }
        }
    }
}
