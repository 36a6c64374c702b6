import ArgumentParser
import EtcdAPI

/// `endpoint hashkv [--rev=N]`: each endpoint's hash of its key-value history.
struct EndpointHashKV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hashkv", abstract: "Prints the KV history hash for each endpoint in --endpoints")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var clusterOption: ClusterOption

    @Option(help: "maximum revision to hash (default: all revisions)")
    var rev: Int64 = 0

    func run() async throws {
        let settings = try self.global.settings()
        var hashes: [EndpointResult<Etcdserverpb_HashKVResponse>] = []
        var failure: String?
        var request = Etcdserverpb_HashKVRequest()
        request.revision = self.rev
        for endpoint in try await self.clusterOption.endpoints(settings) {
            do {
                let hash: Etcdserverpb_HashKVResponse = try await EtcdConnection.with(settings, endpoints: [endpoint]) {
                    try await $0.callStatus(EtcdMethod.hashKV, request)
                }
                hashes.append(EndpointResult(endpoint: endpoint, response: hash))
            } catch {
                failure = CtlError.text(of: error)
                Terminal.error("Failed to get the hash of endpoint \(endpoint) (\(failure!))")
            }
        }
        Terminal.write(try settings.printer.endpointHashKV(hashes))
        if let failure { throw CtlError(.error, failure) }
    }
}
