import ArgumentParser
import Foundation
import GRPCWire
import NIOCore

/// What the global flags come to.
struct Settings {
    /// As given (`http://` and `https://` URLs or `host:port`): etcdctl prints them so.
    var endpoints: [String]
    var dialTimeout: TimeAmount
    var commandTimeout: TimeAmount
    var tls: GRPCTLSFiles?
    var printer: Printer

    /// `host:port` of an endpoint given as a URL or as `host:port`.
    static func hostAndPort(_ endpoint: String) -> String {
        for scheme in ["http://", "https://"] where endpoint.hasPrefix(scheme) {
            return String(endpoint.dropFirst(scheme.count).prefix { $0 != "/" })
        }
        return endpoint
    }
}
