import EtcdAPI
import Raft
import Storage

/// `concord snapshot restore`: a new member's data directory from a snapshot, for a new
/// cluster. The key space comes from the snapshot; the membership, the identity and the
/// log's configuration come from the flags, as with etcd's restore.
public enum SnapshotRestore {
    public static func run(snapshot path: String, configuration: ServerConfiguration) throws {
        try configuration.validate()
        let token = configuration.initialClusterToken
        let members = configuration.initialMembers
        let dataDirectory = configuration.resolvedDataDirectory
        try SnapshotFile.restore(path, into: dataDirectory, confState: ConfState(voters: members.map(\.id)))
        let store = try MVCCStore(path: DataDirectory(dataDirectory).statePath)
        defer { store.close() }
        try store.replaceClusterRecords(prefix: ClusterRecords.memberPrefix, with: try members.map {
            (ClusterRecords.memberKey($0.id), try $0.serializedBytes())
        })
        try store.replaceClusterRecords(prefix: ClusterRecords.alarmPrefix, with: [])
        let own = members.first { $0.name == configuration.name }!
        try MemberIdentityFile(clusterID: MemberIdentity.clusterID(token: token), memberID: own.id, name: configuration.name)
            .write(to: dataDirectory)
    }
}
