import ArgumentParser
import EtcdAPI
import Foundation

/// `txn [options]`: a transaction read from standard input (see ``TxnParser``), with prompts
/// when `-i`.
struct Txn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Txn processes all the requests in one transaction")

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Input transaction in interactive mode")
    var interactive = false

    @Argument(help: .hidden)
    var arguments: [String] = []

    func run() async throws {
        guard self.arguments.isEmpty else { throw CtlError.badArgs("txn command does not accept argument") }
        let settings = try self.global.settings()
        let parser = TxnParser { Swift.readLine(strippingNewline: false) }
        var request = Etcdserverpb_TxnRequest()
        self.prompt("compares:")
        request.compare = try parser.compares()
        self.prompt("success requests (get, put, del):")
        request.success = try parser.requests()
        self.prompt("failure requests (get, put, del):")
        request.failure = try parser.requests()
        try await EtcdConnection.with(settings) { connection in
            let response = try await connection.call(EtcdMethod.txn, request, as: Etcdserverpb_TxnResponse.self)
            Terminal.write(try settings.printer.txn(response))
        }
    }

    private func prompt(_ line: String) {
        guard self.interactive else { return }
        var text = Text()
        text.line(line)
        Terminal.write(text)
    }
}
