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
