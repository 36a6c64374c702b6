import ArgumentParser
import EtcdAPI
import Foundation
import GoText

/// `get [options] <key> [range_end]`.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Gets the key or a range of keys")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Linearizable(l) or Serializable(s)")
    var consistency = "l"

    @Option(name: .customLong("order"), help: "Order of results; ASCEND or DESCEND (ASCEND by default)")
    var sortOrder = ""

    @Option(name: .customLong("sort-by"), help: "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION")
    var sortTarget = ""

    @Option(help: "Maximum number of results")
    var limit: Int64 = 0

    @Flag(help: "Get keys with matching prefix")
    var prefix = false

    @Flag(name: .customLong("from-key"), help: "Get keys that are greater than or equal to the given key using byte compare")
    var fromKey = false

    @Option(help: "Specify the kv revision")
    var rev: Int64 = 0

    @Flag(name: .customLong("keys-only"), help: "Get only the keys")
    var keysOnly = false

    @Flag(name: .customLong("count-only"), help: "Get only the count (with --write-out=fields)")
    var countOnly = false

    @Flag(name: .customLong("print-value-only"), help: "Only write values when using the \"simple\" output format")
    var printValueOnly = false

    @Argument(help: "<key> [range_end]")
    var arguments: [String] = []

    func run() async throws {
        var settings = try self.global.settings()
        let request = try self.request()
        if self.countOnly && settings.printer.format != .fields {
            throw CtlError.badArgs("--count-only is only for `--write-out=fields`")
        }
        settings.printer.valueOnly = self.printValueOnly
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(EtcdMethod.range, request, as: Etcdserverpb_RangeResponse.self)
            Terminal.write(try settings.printer.get(response))
        }
    }

    /// The request, checked as etcdctl's `getGetOp` checks it.
    func request() throws(CtlError) -> Etcdserverpb_RangeRequest {
        guard let key = self.arguments.first else {
            throw .badArgs("get command needs one argument as key and an optional argument as range_end")
        }
        if self.prefix && self.fromKey {
            throw .badArgs("`--prefix` and `--from-key` cannot be set at the same time, choose one")
        }
        var request = Etcdserverpb_RangeRequest()
        switch self.consistency {
        case "s": request.serializable = true
        case "l": break
        default: throw CtlError(.badFeature, "unknown consistency flag \(GoQuote.quote(self.consistency))")
        }
        if self.arguments.count > 1 && (self.prefix || self.fromKey) {
            throw .badArgs("too many arguments, only accept one argument when `--prefix` or `--from-key` is set")
        }
        (request.key, request.rangeEnd) = KeyRange.resolve(
            key: key, rangeEnd: self.arguments.count > 1 ? self.arguments[1] : nil, prefix: self.prefix,
            fromKey: self.fromKey)
        request.limit = self.limit
        if self.rev > 0 { request.revision = self.rev }
        switch self.sortOrder.uppercased() {
        case "ASCEND": request.sortOrder = .ascend
        case "DESCEND": request.sortOrder = .descend
        case "": request.sortOrder = .none
        default: throw CtlError(.badFeature, "bad sort order \(self.sortOrder)")
        }
        switch self.sortTarget.uppercased() {
        case "CREATE": request.sortTarget = .create
        case "KEY", "": request.sortTarget = .key
        case "MODIFY": request.sortTarget = .mod
        case "VALUE": request.sortTarget = .value
        case "VERSION": request.sortTarget = .version
        default: throw CtlError(.badFeature, "bad sort target \(self.sortTarget)")
        }
        // clientv3: keys come back in ascending key order anyway, so that sort is not asked for
        // (it would make the server read the whole range before applying the limit).
        if request.sortTarget == .key && request.sortOrder == .ascend { request.sortOrder = .none }
        request.keysOnly = self.keysOnly
        request.countOnly = self.countOnly
        return request
    }
}
