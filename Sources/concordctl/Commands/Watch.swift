import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire

/// `watch [options] <key or prefix> [range_end]`: prints events as they come, until the server
/// cancels the watch.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watches events stream on keys or prefixes")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Watch on a prefix if prefix is set")
    var prefix = false

    @Option(help: "Revision to start watching")
    var rev: Int64 = 0

    @Flag(name: .customLong("prev-kv"), help: "get the previous key-value pair before the event happens")
    var prevKV = false

    @Argument(help: "<key or prefix> [range_end]")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard (1...2).contains(self.arguments.count) else { throw CtlError.badArgs("bad number of arguments") }
        if self.arguments.count == 2 && self.prefix {
            throw CtlError.badArgs("`range_end` and `--prefix` are mutually exclusive")
        }
        var create = Etcdserverpb_WatchCreateRequest()
        (create.key, create.rangeEnd) = KeyRange.resolve(
            key: self.arguments[0], rangeEnd: self.arguments.count > 1 ? self.arguments[1] : nil,
            prefix: self.prefix, fromKey: false)
        create.startRevision = self.rev
        create.prevKv = self.prevKV
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        try await EtcdConnection.with(settings) { connection in
            let stream = try await connection.stream(
                EtcdMethod.watch, requestType: Etcdserverpb_WatchRequest.self,
                responseType: Etcdserverpb_WatchResponse.self, requireLeader: true)
            do {
                try stream.send(request)
                for try await response in stream.responses {
                    // clientv3 keeps the "created" answer to itself.
                    if response.created && response.events.isEmpty && !response.canceled { continue }
                    if response.canceled {
                        Terminal.error("watch was canceled (\(Self.cancelText(response)))")
                    }
                    Terminal.write(try settings.printer.watch(response))
                    if response.canceled { break }
                }
            } catch let status as GRPCStatus {
                throw CtlError(status, exit: .badConnection)
            }
            stream.cancel()
        }
        throw CtlError(.interrupted, "watch is canceled by the server")
    }

    /// clientv3's `WatchResponse.Err()` of a cancelled watch.
    private static func cancelText(_ response: Etcdserverpb_WatchResponse) -> String {
        if response.compactRevision != 0 { return "etcdserver: mvcc: required revision has been compacted" }
        if response.cancelReason.isEmpty { return "etcdserver: mvcc: required revision is a future revision" }
        return CtlError.text(of: GRPCStatus(.failedPrecondition, response.cancelReason))
    }
}
