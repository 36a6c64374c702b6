import Checksums
extension MVCCStore {
    /// A key-space hash for comparing members (etcd's HashKV).
    public struct KeySpaceHash: Sendable, Equatable {
        /// CRC-32C of every key as it was at `revision`: key, create and mod revision,
        /// version, lease and value, in key order.
        public var hash: UInt32
        public var revision: Int64
        public var compactRevision: Int64
    }

    /// Hashes the key space as it was at `revision` (0: now). It covers what a read at that
    /// revision returns, not the physical history, so members agree whatever their progress in
    /// removing compacted history. Reads in one transaction, `chunk` keys at a time.
    public func hashKV(revision: Int64, chunk: Int64 = 4096) throws -> KeySpaceHash {
        precondition(chunk > 0)
        let space = self.space
        return try environment.read { txn in
            let current = try space.currentRevision(txn)
            let compactRevision = try space.int64(txn, StateRecords.compactRevisionKey)
            let at = revision > 0 ? revision : current
            var hash: UInt32 = 0
            var request = RangeRequest(key: [0], rangeEnd: [0], limit: chunk, revision: at)
            while true {
                let response = try space.range(txn, request, currentRevision: current, compactRevision: compactRevision)
                for kv in response.kvs {
                    var writer = ByteWriter(capacity: kv.key.count + kv.value.count + 40)
                    writer.appendLittleEndian(Int64(kv.key.count))
                    writer.append(kv.key)
                    writer.appendLittleEndian(kv.createRevision)
                    writer.appendLittleEndian(kv.modRevision)
                    writer.appendLittleEndian(kv.version)
                    writer.appendLittleEndian(kv.lease)
                    writer.append(kv.value)
                    hash = CRC32C.checksum(writer.bytes, continuing: hash)
                }
                guard response.more, let last = response.kvs.last else { break }
                request.key = last.key + [0]
            }
            return KeySpaceHash(hash: hash, revision: at, compactRevision: compactRevision)
        }
    }
}
