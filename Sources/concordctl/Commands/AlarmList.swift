import ArgumentParser
import EtcdAPI

/// `alarm list`: the alarms raised in the cluster.
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
