/// A URL of etcd's flags (`http://127.0.0.1:2379`): scheme, host and port, nothing else.
public struct ServerURL: Sendable, Equatable, CustomStringConvertible {
    public var isTLS: Bool
    public var host: String
    public var port: Int

    public init(isTLS: Bool, host: String, port: Int) {
        self.isTLS = isTLS
        self.host = host
        self.port = port
    }

    /// Parses `http://host:port` or `https://host:port` (IPv6 hosts in brackets).
    public init(parsing text: String) throws(ConfigurationError) {
        let schemes = ["http://": false, "https://": true, "unix://": false]
        guard let (prefix, tls) = schemes.first(where: { text.hasPrefix($0.key) }), prefix != "unix://" else {
            throw ConfigurationError("URL \"\(text)\" must start with http:// or https://")
        }
        var rest = Substring(text.dropFirst(prefix.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError("URL \"\(text)\" needs a port (host:port)")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/") else { throw ConfigurationError("URL \"\(text)\" has no host") }
        self.init(isTLS: tls, host: host, port: port)
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(isTLS ? "https" : "http")://\(shownHost):\(port)"
    }
}

/// A configuration a member cannot start with; the text says what to change.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
