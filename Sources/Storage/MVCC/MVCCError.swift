/// The expected failures of a key-space request. Each leaves the key space unchanged.
///
/// `description` is etcd's gRPC error text, word for word (`api/v3rpc/rpctypes/error.go`):
/// clients match on it.
public enum MVCCError: Error, Equatable, Sendable, CustomStringConvertible {
    case compacted
    case futureRevision
    case emptyKey
    case keyNotFound
    case valueProvided
    case leaseProvided
    case duplicateKey
    case tooManyOperations
    /// Not an etcd error: etcd has no key length limit below its request size; LMDB has.
    case keyTooLong

    public var description: String {
        switch self {
        case .compacted: "etcdserver: mvcc: required revision has been compacted"
        case .futureRevision: "etcdserver: mvcc: required revision is a future revision"
        case .emptyKey: "etcdserver: key is not provided"
        case .keyNotFound: "etcdserver: key not found"
        case .valueProvided: "etcdserver: value is provided"
        case .leaseProvided: "etcdserver: lease is provided"
        case .duplicateKey: "etcdserver: duplicate key given in txn request"
        case .tooManyOperations: "etcdserver: too many operations in txn request"
        case .keyTooLong: "etcdserver: key is too long (the limit is \(Limits.keyBytesMax) bytes)"
        }
    }
}
