/// etcd's benchmark (cobra) takes its global flags before the command
/// (`benchmark --endpoints=... --conns=100 put --total=...`); swift-argument-parser takes a
/// subcommand's options only after its name. This moves the command name to the front, so the
/// published etcd command lines parse unchanged.
enum GlobalArgumentOrder {
    /// The global options that take a value, for telling `--conns 100` (value) from a command name.
    static let optionsWithValues: Set<String> = [
        "--endpoints", "--conns", "--clients", "--dial-timeout", "--output", "--cert", "--key", "--cacert",
        "--report", "--label", "--threads",
    ]

    /// `arguments` with the first command name (one of `commands`) moved to the front.
    static func commandFirst(_ arguments: [String], commands: Set<String>) -> [String] {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if commands.contains(argument) {
                var reordered = arguments
                reordered.remove(at: index)
                return [argument] + reordered
            }
            if argument == "--" { break }
            index += self.optionsWithValues.contains(argument) ? 2 : 1
        }
        return arguments
    }
}
