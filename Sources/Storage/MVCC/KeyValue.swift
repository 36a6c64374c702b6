/// One key as etcd's `mvccpb.KeyValue` describes it.
///
/// Revisions are `Int64` as on etcd's wire. `createRevision` is the revision of the put that
/// (re)created the key, `modRevision` of its latest change, and `version` counts changes since
/// it was (re)created: a delete resets it, the next put starts again at 1.
public struct KeyValue: Equatable, Hashable, Sendable {
    public var key: [UInt8]
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64
    public var value: [UInt8]
    public var lease: Int64

    public init(key: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, value: [UInt8], lease: Int64 = 0) {
        self.key = key
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.value = value
        self.lease = lease
    }
}

/// One change in the history, as a watcher sees it (etcd's `mvccpb.Event`). A delete carries
/// only the key and the revision of the delete in `kv`, as in etcd.
public struct Event: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case put = 0
        case delete = 1
    }

    public var kind: Kind
    public var kv: KeyValue
    /// Where in the history it happened: the revision and its place inside a Txn.
    public var revision: Revision

    public init(kind: Kind, kv: KeyValue, revision: Revision) {
        self.kind = kind
        self.kv = kv
        self.revision = revision
    }
}
