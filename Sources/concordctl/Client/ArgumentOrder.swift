/// etcdctl takes global flags before the command (`etcdctl --endpoints=… get k`); the argument
/// parser reads a command's options only after its name. This moves flags written before the
/// command path to just behind it, leaving everything else where it was (an argument after
/// `--` must stay after it).
enum ArgumentOrder {
    /// Global options that take a value in the next argument when not written `--name=value`.
    private static let valueOptions: Set<String> = [
        "--endpoints", "--dial-timeout", "--command-timeout", "--cacert", "--cert", "--key", "--write-out", "-w",
    ]

    /// Commands that have subcommands: their path is two words long.
    private static let groups: Set<String> = ["endpoint", "member", "snapshot", "alarm", "lease"]

    static func commandFirst(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            leading.append(arguments[index])
            if Self.valueOptions.contains(arguments[index]), index + 1 < arguments.endIndex {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        var rest = Array(arguments[index...])
        guard !leading.isEmpty, let command = rest.first else { return arguments }
        let pathLength = Self.groups.contains(command) && rest.count > 1 && !rest[1].hasPrefix("-") ? 2 : 1
        rest.insert(contentsOf: leading, at: pathLength)
        return rest
    }
}
