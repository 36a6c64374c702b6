import ArgumentParser
import EtcdAPI

/// `move-leader <transferee-member-id>`: finds the leader among the endpoints (by asking each
/// for its status) and asks it to hand leadership over.
struct MoveLeader: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move-leader", abstract: "Transfers leadership to another etcd cluster member.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<transferee-member-id>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else { throw CtlError.badArgs("move-leader command needs 1 argument") }
        var request = Etcdserverpb_MoveLeaderRequest()
        do {
            request.targetID = try GoStrconv.parseUInt(self.arguments[0], radix: 16)
        } catch {
            throw CtlError.badArgs(error.description)
        }
        for endpoint in settings.endpoints {
            let moved: Text? = try await EtcdConnection.with(settings, endpoints: [endpoint]) { connection in
                let status = try await connection.call(
                    EtcdMethod.status, Etcdserverpb_StatusRequest(), as: Etcdserverpb_StatusResponse.self)
                guard status.hasHeader && status.header.memberID == status.leader else { return nil }
                let response = try await connection.call(
                    EtcdMethod.moveLeader, request, as: Etcdserverpb_MoveLeaderResponse.self)
                return try settings.printer.moveLeader(from: status.leader, to: request.targetID, response)
            }
            if let moved {
                Terminal.write(moved)
                return
            }
        }
        throw CtlError.badArgs("no leader endpoint given at \(Fields.list(settings.endpoints))")
    }
}
