import ArgumentParser

/// `concord-bench`: etcd's `benchmark` tool (tools/benchmark in etcd's repository) on
/// GRPCWire's client, so that etcd's published benchmark commands run unchanged against etcd
/// and Concord and the two are measured by one load generator.
@main
struct ConcordBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord-bench",
        abstract: "A low-level benchmark tool for etcd v3 API servers (etcd, Concord).",
        discussion: """
            Global flags may come before or after the command, as with etcd's benchmark:
              concord-bench --endpoints=127.0.0.1:2379 --conns=100 --clients=1000 \\
                put --key-size=8 --sequential-keys --total=100000 --val-size=256
            """,
        subcommands: [
            PutCommand.self, RangeCommand.self, TxnPutCommand.self, MixedCommand.self, WatchCommand.self,
            WatchLatencyCommand.self, LeaseKeepaliveCommand.self, ReportCommand.self,
        ]
    )

    static func main() async {
        let commands = Set(self.configuration.subcommands.map { $0._commandName })
        await self.main(GlobalArgumentOrder.commandFirst(Array(CommandLine.arguments.dropFirst()), commands: commands))
    }
}
