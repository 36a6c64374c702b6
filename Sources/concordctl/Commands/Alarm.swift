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
