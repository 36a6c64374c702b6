import ArgumentParser
import EtcdAPI

/// `endpoint status`: each endpoint's Maintenance.Status, asked of that endpoint alone.
struct EndpointStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Prints out the status of endpoints specified in `--endpoints` flag")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var clusterOption: ClusterOption

    func run() async throws {
        let settings = try self.global.settings()
        var statuses: [EndpointResult<Etcdserverpb_StatusResponse>] = []
        var failed = false
        for endpoint in try await self.clusterOption.endpoints(settings) {
            do {
                let status: Etcdserverpb_StatusResponse = try await EtcdConnection.with(settings, endpoints: [endpoint]) {
                    try await $0.callStatus(EtcdMethod.status, Etcdserverpb_StatusRequest())
                }
                statuses.append(EndpointResult(endpoint: endpoint, response: status))
            } catch {
                failed = true
                Terminal.error("Failed to get the status of endpoint \(endpoint) (\(CtlError.text(of: error)))")
            }
        }
        Terminal.write(try settings.printer.endpointStatus(statuses))
        if failed { throw CtlError.reported(.error) }
    }
}
