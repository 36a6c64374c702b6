import CLMDB
import Glibc

/// A failure of the storage engine that a caller can act on.
///
/// `description` is the text a client sees. Where etcd has an error for the same condition the
/// text is etcd's, word for word, because clients match on it (etcd `api/v3rpc/rpctypes`).
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The map (or the quota below it) is full. etcd: `ErrGRPCNoSpace`.
    case spaceExceeded
    /// LMDB returned `code`; `message` is `mdb_strerror(code)` and `operation` names the call.
    case lmdb(code: Int32, operation: String, message: String)
    /// A key longer than LMDB can index (`mdb_env_get_maxkeysize`, 511 bytes in Debian's build).
    case keyTooLong(length: Int, max: Int)
    /// A file or directory operation failed with `errno`.
    case io(operation: String, path: String, errno: Int32)
    /// A value read back from disk does not decode: the file is damaged or not ours.
    case corrupted(String)

    public var description: String {
        switch self {
        case .spaceExceeded:
            return "etcdserver: mvcc: database space exceeded"
        case let .lmdb(code, operation, message):
            return "storage: \(operation): \(message) (LMDB error \(code))"
        case let .keyTooLong(length, max):
            return "storage: key of \(length) bytes is longer than the limit of \(max) bytes"
        case let .io(operation, path, errno):
            return "storage: \(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case let .corrupted(what):
            return "storage: data corrupted: \(what)"
        }
    }

    /// Maps an LMDB return code to an error; `MDB_MAP_FULL` becomes the quota error etcd reports.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        if code == MDB_SUCCESS { return }
        if code == MDB_MAP_FULL { throw StorageError.spaceExceeded }
        throw StorageError.lmdb(code: code, operation: operation(), message: String(cString: mdb_strerror(code)))
    }
}
