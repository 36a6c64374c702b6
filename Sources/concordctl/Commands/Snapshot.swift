import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire

/// `snapshot <subcommand>`.
struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manages etcd node snapshots", subcommands: [SnapshotSave.self])
}
