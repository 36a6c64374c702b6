import ArgumentParser
import EtcdAPI

/// `alarm disarm`: every raised alarm is deactivated, one request each, as clientv3's
/// `AlarmDisarm` of no particular alarm does; the answer is the alarms deactivated.
struct AlarmDisarm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disarm", abstract: "Disarms all alarms")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        try await EtcdConnection.with(settings) { connection in
            var disarmed = Etcdserverpb_AlarmResponse()
            for alarm in try await Alarm.list(connection).alarms {
                var request = Etcdserverpb_AlarmRequest()
                request.action = .deactivate
                request.memberID = alarm.memberID
                request.alarm = alarm.alarm
                let response: Etcdserverpb_AlarmResponse = try await connection.call(EtcdMethod.alarm, request)
                disarmed.alarms += response.alarms
            }
            Terminal.write(try settings.printer.alarm(disarmed))
        }
    }
}
