/// The layout of a member's data directory: the Raft log environment in `raft/`, the state
/// environment in `state/`, snapshot files in `snap/`. Two environments, because sequential
/// log appends commit in well under a millisecond while key-space writes dirty random pages; in
/// one environment every log append would wait behind the state's page write-back.
public struct DataDirectory: Sendable, Equatable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var raftPath: String { path + "/raft" }
    public var statePath: String { path + "/state" }
    /// Snapshot files: the member's own and those it received (see the server's `SnapshotDirectory`).
    public var snapshotPath: String { path + "/snap" }
}
