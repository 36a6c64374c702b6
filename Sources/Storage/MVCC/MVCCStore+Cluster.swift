extension MVCCStore {
    /// The server's cluster records whose key starts with `prefix`, in key order. Read from the
    /// state environment, so they are as of the last applied entry.
    public func clusterRecords(prefix: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        precondition(!prefix.isEmpty, "LMDB keys are never empty: name a prefix")
        let space = self.space
        return try environment.read { txn in
            try txn.withCursor(space.cluster) { cursor in
                var records: [(key: [UInt8], value: [UInt8])] = []
                var item = try cursor.seek(atLeast: prefix)
                while let (key, value) = item, key.starts(with: prefix) {
                    records.append((Array(key), Array(value)))
                    item = try cursor.next()
                }
                return records
            }
        }
    }
}

extension MVCCStore {
    /// Whether compacted history is still waiting for `compactStep` to remove it: a cheap read
    /// the host makes between batches, so that idle turns open no write transaction.
    public func compactionPending() throws -> Bool {
        let space = self.space
        return try environment.read { txn in
            try space.int64(txn, StateRecords.compactedThroughKey) < (try space.int64(txn, StateRecords.compactRevisionKey))
        }
    }
}

extension MVCCStore {
    /// Replaces the cluster records under `prefix` outside of any Raft entry. Only for building
    /// a new cluster's data directory offline (snapshot restore), before any member serves it.
    public func replaceClusterRecords(prefix: [UInt8], with records: [(key: [UInt8], value: [UInt8])]) throws {
        precondition(!prefix.isEmpty, "LMDB keys are never empty: name a prefix")
        precondition(records.allSatisfy { $0.key.starts(with: prefix) }, "records must be under the prefix they replace")
        let old = try clusterRecords(prefix: prefix)
        let space = self.space
        try environment.write { txn in
            for record in old { _ = try txn.delete(space.cluster, record.key) }
            for record in records { try txn.put(space.cluster, record.key, record.value) }
        }
    }
}
