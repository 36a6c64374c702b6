import ArgumentParser
import Foundation

/// `concordctl`: etcdctl v3's everyday commands, flags, output and exit statuses, for Concord
/// and for any etcd v3 endpoint.
@main
struct Concordctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concordctl",
        abstract: "A simple command line client for etcd3 and Concord.",
        subcommands: [
            Get.self, Put.self, Del.self, Txn.self, Compaction.self, Watch.self, Lease.self, Member.self,
            Endpoint.self, Alarm.self, Defrag.self, Snapshot.self, MoveLeader.self, Version.self,
        ])

    /// Runs the command and exits as etcdctl would: `Error: …` on standard error and etcdctl's
    /// status for the failure.
    static func main() async {
        let arguments = ArgumentOrder.commandFirst(Array(CommandLine.arguments.dropFirst()))
        var status: Int32 = 0
        do {
            var command = try Self.parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CtlError {
            if !error.isReported { Terminal.error("Error: \(error.message)") }
            status = error.exit.rawValue
        } catch {
            if Self.exitCode(for: error) == .success {
                print(Self.fullMessage(for: error))
            } else {
                Terminal.error("Error: \(Self.message(for: error))")
                status = CtlError.Exit.error.rawValue
            }
        }
        Foundation.exit(status)
    }
}
