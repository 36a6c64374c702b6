import ArgumentParser
import EtcdAPI
import Foundation

/// `put [options] <key> <value>`: the value may come from standard input instead.
struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Puts the given key into the store",
        discussion: "When <value> begins with '-', it is read as a flag; write `put -- <key> <value>`.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("prev-kv"), help: "return the previous key-value pair before modification")
    var prevKV = false

    @Option(help: "lease ID (in hexadecimal) to attach to the key")
    var lease = "0"

    @Flag(name: .customLong("ignore-value"), help: "updates the key using its current value")
    var ignoreValue = false

    @Flag(name: .customLong("ignore-lease"), help: "updates the key using its current lease")
    var ignoreLease = false

    @Argument(help: "<key> <value>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        let request = try self.request(standardInput: { FileHandle.standardInput.readDataToEndOfFile() })
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(EtcdMethod.put, request, as: Etcdserverpb_PutResponse.self)
            Terminal.write(try settings.printer.put(response))
        }
    }

    /// The request, checked as etcdctl's `getPutOp` checks it.
    /// - Parameter standardInput: where a missing value comes from; nil inside a txn.
    func request(standardInput: (() -> Data)?) throws(CtlError) -> Etcdserverpb_PutRequest {
        let usage = "put command needs 1 argument and input from stdin or 2 arguments"
        guard let key = self.arguments.first else { throw .badArgs(usage) }
        if self.ignoreValue && self.arguments.count > 1 {
            throw .badArgs("put command needs only 1 argument when 'ignore-value' is set")
        }
        var request = Etcdserverpb_PutRequest()
        request.key = Data(key.utf8)
        if !self.ignoreValue {
            if self.arguments.count > 1 {
                request.value = Data(self.arguments[1].utf8)
            } else if let value = standardInput?(), !value.isEmpty {
                request.value = value
            } else {
                throw .badArgs(usage)
            }
        }
        do {
            request.lease = try GoStrconv.parseInt(self.lease, radix: 16)
        } catch {
            throw .badArgs("bad lease ID (\(error)), expecting ID in Hex")
        }
        request.prevKv = self.prevKV
        request.ignoreValue = self.ignoreValue
        request.ignoreLease = self.ignoreLease
        return request
    }
}
