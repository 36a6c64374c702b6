import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire
import GoText

/// `endpoint health`: an endpoint is healthy when a linearizable read goes through (it needs a
/// leader and a quorum) and it has no alarm raised.
struct EndpointHealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Checks the healthiness of endpoints specified in `--endpoints` flag")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var clusterOption: ClusterOption

    func run() async throws {
        let settings = try self.global.settings()
        let endpoints = try await self.clusterOption.endpoints(settings)
        let results = await withTaskGroup(of: (Int, EndpointHealth).self) { group in
            for (index, endpoint) in endpoints.enumerated() {
                group.addTask { (index, await Self.check(endpoint, settings: settings)) }
            }
            var results: [(Int, EndpointHealth)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let (output, errors) = try settings.printer.endpointHealth(results)
        Terminal.write(output)
        Terminal.writeError(errors)
        if results.contains(where: { !$0.isHealthy }) { throw CtlError(.error, "unhealthy cluster") }
    }

    private static func check(_ endpoint: String, settings: Settings) async -> EndpointHealth {
        let start = ContinuousClock.now
        do {
            return try await EtcdConnection.with(settings, endpoints: [endpoint]) { connection in
                await Self.probe(endpoint, connection, since: start)
            }
        } catch {
            return EndpointHealth(
                endpoint: endpoint, isHealthy: false, took: Self.took(since: start), error: CtlError.text(of: error))
        }
    }

    /// Go's duration text of the time since `start`.
    private static func took(since start: ContinuousClock.Instant) -> String {
        GoDuration.format(nanoseconds: Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }

    private static func probe(
        _ endpoint: String, _ connection: EtcdConnection, since start: ContinuousClock.Instant
    ) async -> EndpointHealth {
        var range = Etcdserverpb_RangeRequest()
        range.key = Data("health".utf8)
        do {
            let _: Etcdserverpb_RangeResponse = try await connection.callStatus(EtcdMethod.range, range)
        } catch where error.code != .permissionDenied {
            // Permission denied still went through consensus: the endpoint is healthy.
            return EndpointHealth(
                endpoint: endpoint, isHealthy: false, took: Self.took(since: start), error: CtlError.text(of: error))
        } catch {}
        let elapsed = Self.took(since: start)
        var alarms = Etcdserverpb_AlarmRequest()
        alarms.action = .get
        do {
            let response: Etcdserverpb_AlarmResponse = try await connection.callStatus(EtcdMethod.alarm, alarms)
            guard response.alarms.isEmpty else {
                let names = response.alarms.map { alarm in
                    switch alarm.alarm {
                    case .nospace: "NOSPACE "
                    case .corrupt: "CORRUPT "
                    default: "UNKNOWN "
                    }
                }
                return EndpointHealth(
                    endpoint: endpoint, isHealthy: false, took: elapsed, error: "Active Alarm(s): " + names.joined())
            }
        } catch {
            return EndpointHealth(
                endpoint: endpoint, isHealthy: false, took: elapsed, error: "Unable to fetch the alarm list")
        }
        return EndpointHealth(endpoint: endpoint, isHealthy: true, took: elapsed, error: "")
    }
}
