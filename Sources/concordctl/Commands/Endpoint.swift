import ArgumentParser
import EtcdAPI

/// `endpoint <subcommand>`.
struct Endpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Endpoint related commands",
        subcommands: [EndpointHealthCommand.self, EndpointStatus.self, EndpointHashKV.self, EndpointQuorum.self])
}
