import Foundation

/// The key ranges etcdctl's `--prefix` and `--from-key` stand for (clientv3's `WithPrefix`,
/// `WithFromKey`): etcd's range end `\0` means "every key from the start key on".
enum KeyRange {
    static let allFromKey = Data([0])

    /// The smallest key greater than every key that starts with `prefix`: the prefix with its
    /// last byte below 0xff incremented and what follows dropped; `\0` when there is none.
    static func prefixEnd(_ prefix: Data) -> Data {
        var end = Array(prefix)
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return Data(end)
            }
            end.removeLast()
        }
        return self.allFromKey
    }

    /// `(key, rangeEnd)` for a key with etcdctl's range flags; an empty key with either flag
    /// means all keys.
    static func resolve(key: String, rangeEnd: String?, prefix: Bool, fromKey: Bool) -> (Data, Data) {
        let keyBytes = Data(key.utf8)
        if prefix {
            return keyBytes.isEmpty ? (self.allFromKey, self.allFromKey) : (keyBytes, self.prefixEnd(keyBytes))
        }
        if fromKey {
            return (keyBytes.isEmpty ? self.allFromKey : keyBytes, self.allFromKey)
        }
        return (keyBytes, Data((rangeEnd ?? "").utf8))
    }
}
