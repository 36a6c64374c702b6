import ArgumentParser
import EtcdAPI
import Foundation

/// `del [options] <key> [range_end]`.
struct Del: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Removes the specified key or range of keys [key, range_end)")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "delete keys with matching prefix")
    var prefix = false

    @Flag(name: .customLong("prev-kv"), help: "return deleted key-value pairs")
    var prevKV = false

    @Flag(name: .customLong("from-key"), help: "delete keys that are greater than or equal to the given key using byte compare")
    var fromKey = false

    @Argument(help: "<key> [range_end]")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        let request = try self.request()
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(
                EtcdMethod.deleteRange, request, as: Etcdserverpb_DeleteRangeResponse.self)
            Terminal.write(try settings.printer.delete(response))
        }
    }

    /// The request, checked as etcdctl's `getDelOp` checks it.
    func request() throws(CtlError) -> Etcdserverpb_DeleteRangeRequest {
        guard let key = self.arguments.first, self.arguments.count <= 2 else {
            throw .badArgs("del command needs one argument as key and an optional argument as range_end")
        }
        if self.prefix && self.fromKey {
            throw .badArgs("`--prefix` and `--from-key` cannot be set at the same time, choose one")
        }
        if self.arguments.count > 1 && (self.prefix || self.fromKey) {
            throw .badArgs("too many arguments, only accept one argument when `--prefix` or `--from-key` is set")
        }
        var request = Etcdserverpb_DeleteRangeRequest()
        (request.key, request.rangeEnd) = KeyRange.resolve(
            key: key, rangeEnd: self.arguments.count > 1 ? self.arguments[1] : nil, prefix: self.prefix,
            fromKey: self.fromKey)
        request.prevKv = self.prevKV
        return request
    }
}
