import ArgumentParser
import EtcdAPI

/// `compaction [options] <revision>`.
struct Compaction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compacts the event history in etcd")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "'true' to wait for compaction to physically remove all old revisions")
    var physical = false

    @Argument(help: "<revision>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else { throw CtlError.badArgs("compaction command needs 1 argument") }
        var request = Etcdserverpb_CompactionRequest()
        do {
            request.revision = try GoStrconv.parseInt(self.arguments[0])
        } catch {
            throw CtlError(.error, error.description)
        }
        request.physical = self.physical
        try await EtcdConnection.with(settings) { connection in
            let _: Etcdserverpb_CompactionResponse = try await connection.call(EtcdMethod.compact, request)
            var text = Text()
            text.line("compacted revision \(request.revision)")
            Terminal.write(text)
        }
    }
}
