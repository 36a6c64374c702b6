import Foundation
import Yams

/// etcd's `--config-file`: a YAML mapping of etcd's configuration keys (see `ConfigFileKey`).
///
/// As in etcd, keys the file leaves out, or gives no value (`data-dir:`), keep their defaults.
/// Unlike etcd, which skips keys it does not know, an unknown key is an error: a misspelt
/// `election-timeout` silently left at its default is the kind of mistake found only in an
/// outage, and a key of etcd's that Concord does not offer would not do what the file says.
public enum ConfigFile {
    /// Reads and maps the file; every problem is one message naming the file.
    public static func load(_ path: String) throws(ConfigurationError) -> ServerConfiguration {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot read config file \(path): \(String(cString: strerror(errno)))")
        }
        let data: Data
        do {
            data = try FileHandle(fileDescriptor: descriptor, closeOnDealloc: true).readToEnd() ?? Data()
        } catch {
            throw ConfigurationError("cannot read config file \(path): \(Self.reason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("config file \(path) is not UTF-8 text")
        }
        do {
            return try configuration(yaml: text)
        } catch {
            throw ConfigurationError("config file \(path): \(error.description)")
        }
    }

    /// The configuration a file's text describes, validated as the flags' would be.
    static func configuration(yaml: String) throws(ConfigurationError) -> ServerConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError("not valid YAML: \(error)")
        }
        var configuration = ServerConfiguration()
        if let root {
            guard let mapping = root.mapping else {
                throw ConfigurationError("\(place(root))expected a mapping of etcd's configuration keys")
            }
            for (key, value) in mapping {
                try apply(key, value, in: &configuration)
            }
        }
        try configuration.validate()
        return configuration
    }

    private static func apply(_ keyNode: Node, _ value: Node, in configuration: inout ServerConfiguration) throws(ConfigurationError) {
        let key = keyNode.string ?? "\(keyNode)"
        if let key = ConfigFileKey.topLevel[key] {
            try set(key, named: keyNode, to: value, in: &configuration)
        } else if let prefix = ConfigFileKey.transportSecurity[key] {
            if isNull(value) { return }
            guard let nested = value.mapping else {
                throw ConfigurationError("\(place(value))\(key) must be a mapping of cert-file, key-file, trusted-ca-file, client-cert-auth")
            }
            for (innerNode, innerValue) in nested {
                let inner = innerNode.string ?? "\(innerNode)"
                guard let known = ConfigFileKey.security[inner] else {
                    throw ConfigurationError("\(place(innerNode))unknown key \"\(inner)\" in \(key) (known: \(ConfigFileKey.security.keys.sorted().joined(separator: ", ")))")
                }
                try set(ConfigFileKey(flag: prefix + known.flag, kind: known.kind), named: innerNode, to: innerValue, in: &configuration)
            }
        } else {
            let known = (Array(ConfigFileKey.topLevel.keys) + Array(ConfigFileKey.transportSecurity.keys)).sorted()
            throw ConfigurationError("\(place(keyNode))unknown key \"\(key)\" (known: \(known.joined(separator: ", ")))")
        }
    }

    /// Checks the value's YAML type, then sets it as its flag would be set.
    private static func set(_ key: ConfigFileKey, named keyNode: Node, to value: Node, in configuration: inout ServerConfiguration) throws(ConfigurationError) {
        if isNull(value) { return }
        let name = keyNode.string ?? key.flag
        guard let scalar = value.scalar else {
            throw ConfigurationError("\(place(value))\(name) must be \(article(key.kind)), not a \(value.mapping != nil ? "mapping" : "list")")
        }
        let found = kind(of: value)
        guard found == key.kind else {
            throw ConfigurationError("\(place(value))\(name) must be \(article(key.kind)), not \(found.map(article) ?? "\"\(scalar.string)\"")")
        }
        // YAML's spellings (`yes`, `0x10`) in the flags' own.
        let text = switch key.kind {
        case .string: scalar.string
        case .integer: value.int.map { String($0) } ?? scalar.string
        case .boolean: value.bool.map { String($0) } ?? scalar.string
        }
        do {
            try ServerFlags.set(key.flag, text, in: &configuration)
        } catch {
            throw ConfigurationError("\(place(value))\(name): \(error.description)")
        }
    }

    /// The YAML type of a scalar as YAML 1.1's core schema resolves it (a quoted scalar is
    /// always a string).
    private static func kind(of node: Node) -> ConfigFileKey.Kind? {
        switch tagName(of: node) {
        case .str: .string
        case .int: .integer
        case .bool: .boolean
        default: nil
        }
    }

    private static func isNull(_ node: Node) -> Bool { tagName(of: node) == .null }

    /// The resolved tag (Yams keeps `Tag.name` internal; its description is the name).
    private static func tagName(of node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.description) }

    private static func article(_ kind: ConfigFileKey.Kind) -> String {
        kind == .integer ? "an integer" : "a \(kind.rawValue)"
    }

    /// "line 4: " when the parser knows where the node is.
    private static func place(_ node: Node) -> String {
        node.mark.map { "line \($0.line): " } ?? ""
    }

    /// The system's words for a failed read ("Is a directory"), which Foundation keeps inside.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return "\(error)"
    }
}
