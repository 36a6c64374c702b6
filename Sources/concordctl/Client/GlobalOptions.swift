import ArgumentParser
import Foundation
import GRPCWire
import GoText
import NIOCore

/// etcdctl's global flags, accepted by every command, each also read from its `ETCDCTL_…`
/// environment variable when the flag is not given (etcdctl's `SetPflagsFromEnv`).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("endpoints"), help: "gRPC endpoints (comma-separated, default 127.0.0.1:2379)")
    var endpoints: [String] = []

    @Option(name: .customLong("dial-timeout"), help: "dial timeout for client connections (default 2s)")
    var dialTimeout: String?

    @Option(
        name: .customLong("command-timeout"),
        help: "timeout for short running command, excluding dial timeout (default 5s)")
    var commandTimeout: String?

    @Option(help: "verify certificates of TLS-enabled secure servers using this CA bundle")
    var cacert: String?

    @Option(help: "identify secure client using this TLS certificate file")
    var cert: String?

    @Option(help: "identify secure client using this TLS key file")
    var key: String?

    @Option(
        name: [.customShort("w"), .customLong("write-out")],
        help: "set the output format (fields, json, protobuf, simple, table)")
    var writeOut: String?

    @Flag(help: "print byte strings as hex encoded strings")
    var hex = false

    /// The flags with the environment and the defaults applied, checked.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CtlError) -> Settings {
        func value(_ flag: String?, _ variable: String) -> String? {
            flag ?? environment["ETCDCTL_" + variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let endpointList =
            self.endpoints.isEmpty ? (environment["ETCDCTL_ENDPOINTS"].map { [$0] } ?? []) : self.endpoints
        var endpoints = endpointList.flatMap { $0.split(separator: ",").map(String.init) }
        if endpoints.isEmpty { endpoints = ["127.0.0.1:2379"] }
        func duration(_ flag: String?, _ variable: String, name: String, default fallback: String) throws(CtlError)
            -> TimeAmount
        {
            let text = value(flag, variable) ?? fallback
            do {
                return .nanoseconds(try GoDuration.parse(text))
            } catch {
                throw CtlError(.error, "invalid argument \(GoQuote.quote(text)) for \"--\(name)\" flag: \(error)")
            }
        }
        let format = try OutputFormat(parsing: value(self.writeOut, "WRITE_OUT") ?? "simple")
        let cacert = value(self.cacert, "CACERT")
        let cert = value(self.cert, "CERT")
        let key = value(self.key, "KEY")
        let wantsTLS =
            cacert != nil || cert != nil || key != nil || endpoints.contains { $0.hasPrefix("https://") }
        return Settings(
            endpoints: endpoints,
            dialTimeout: try duration(self.dialTimeout, "DIAL_TIMEOUT", name: "dial-timeout", default: "2s"),
            commandTimeout: try duration(
                self.commandTimeout, "COMMAND_TIMEOUT", name: "command-timeout", default: "5s"),
            tls: wantsTLS ? GRPCTLSFiles(certificateFile: cert, keyFile: key, trustedCAFile: cacert) : nil,
            printer: Printer(format: format, isHex: self.hex || value(nil, "HEX") == "true"))
    }
}
