import ArgumentParser
import EtcdAPI

/// `alarm list` and `alarm disarm`.
struct Alarm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Alarm related commands", subcommands: [AlarmList.self, AlarmDisarm.self])

    static func list(_ connection: EtcdConnection) async throws(CtlError) -> Etcdserverpb_AlarmResponse {
        var request = Etcdserverpb_AlarmRequest()
        request.action = .get
        return try await connection.call(EtcdMethod.alarm, request)
    }
}

struct AlarmList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists all alarms")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        try await EtcdConnection.with(settings) { connection in
            Terminal.write(try settings.printer.alarm(try await Alarm.list(connection)))
        }
    }
}
