/// `concord [flags]`: the configuration a member starts with, from its flags or, with
/// `--config-file`, from that file.
///
/// etcd's rule: when a config file is given, its values are the configuration and every other
/// flag is ignored (etcd still parses them, so a malformed or unknown flag is an error even
/// then). What was ignored is kept so the member can say so in its log, as etcd does.
public struct ServerCommandLine: Sendable {
    public var configuration: ServerConfiguration
    /// The `--config-file` the configuration came from, if any.
    public var configFile: String?
    /// The flags given beside `--config-file`, which had no effect.
    public var ignoredFlags: [String]

    public static func parse(_ arguments: [String]) throws(ConfigurationError) -> ServerCommandLine {
        let flags = try ServerFlags.split(arguments)
        var fromFlags = ServerConfiguration()
        for (name, value) in flags where name != "config-file" {
            try ServerFlags.set(name, value, in: &fromFlags)
        }
        // etcd: an empty `--config-file=` is no config file.
        guard let file = flags.last(where: { $0.name == "config-file" })?.value, !file.isEmpty else {
            try fromFlags.validate()
            return ServerCommandLine(configuration: fromFlags, configFile: nil, ignoredFlags: [])
        }
        return ServerCommandLine(
            configuration: try ConfigFile.load(file), configFile: file,
            ignoredFlags: flags.map(\.name).filter { $0 != "config-file" })
    }

    /// etcd's log line on loading a config file, plus a warning naming the flags it overrode.
    public func logConfigFile(to log: ServerLog) {
        guard let configFile else { return }
        log.info("loaded server configuration from \(configFile); other command-line flags are ignored")
        if !ignoredFlags.isEmpty {
            log.warn("ignoring command-line flags \(ignoredFlags.map { "--\($0)" }.joined(separator: " ")): --config-file \(configFile) gives the configuration")
        }
    }
}
