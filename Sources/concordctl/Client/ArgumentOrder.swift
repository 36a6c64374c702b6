/// etcdctl takes flags anywhere, the global ones before the command too
/// (`etcdctl --endpoints=… get k`, `etcdctl endpoint --cluster status`); the argument parser
/// reads a command's options only after the command's name. This moves the flags written
/// before or inside the command path to just behind it, leaving everything else where it was
/// (an argument after `--` must stay after it).
enum ArgumentOrder {
    /// Options that take a value in the next argument when not written `--name=value`.
    private static let valueOptions: Set<String> = [
        "--endpoints", "--dial-timeout", "--command-timeout", "--cacert", "--cert", "--key", "--write-out", "-w",
    ]

    /// Commands that have subcommands: their path is two words long.
    private static let groups: Set<String> = ["endpoint", "member", "snapshot", "alarm", "lease"]

    static func commandFirst(_ arguments: [String]) -> [String] {
        var path: [String] = []
        var options: [String] = []
        var index = arguments.startIndex
        func isComplete() -> Bool {
            path.count == 2 || (path.count == 1 && !Self.groups.contains(path[0]))
        }
        while index < arguments.endIndex, !isComplete(), arguments[index] != "--" {
            let argument = arguments[index]
            if argument.hasPrefix("-") {
                options.append(argument)
                if Self.valueOptions.contains(argument), index + 1 < arguments.endIndex {
                    options.append(arguments[index + 1])
                    index += 1
                }
            } else {
                path.append(argument)
            }
            index += 1
        }
        return path + options + arguments[index...]
    }
}
