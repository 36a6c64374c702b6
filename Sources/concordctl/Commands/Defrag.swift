import ArgumentParser
import EtcdAPI

/// `defrag [--cluster]`: each endpoint defragments its own backend.
struct Defrag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Defragments the storage of the etcd members with given endpoints")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var clusterOption: ClusterOption

    func run() async throws {
        let settings = try self.global.settings()
        var failed = false
        for endpoint in try await self.clusterOption.endpoints(settings) {
            do {
                let _: Etcdserverpb_DefragmentResponse = try await EtcdConnection.with(settings, endpoints: [endpoint]) {
                    try await $0.callStatus(EtcdMethod.defragment, Etcdserverpb_DefragmentRequest())
                }
                var text = Text()
                text.line("Finished defragmenting etcd member[\(endpoint)]")
                Terminal.write(text)
            } catch {
                failed = true
                Terminal.error("Failed to defragment etcd member[\(endpoint)] (\(CtlError.text(of: error)))")
            }
        }
        if failed { throw CtlError.reported(.error) }
    }
}
