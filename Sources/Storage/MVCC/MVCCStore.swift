/// The MVCC key space in the state environment (`state/` in a data directory).
///
/// The Raft log is the durable record, and the applied index is written in the same transaction
/// as the changes of the entries it covers, so after a crash the host re-applies exactly the
/// entries after `applied.index`. How much a commit syncs is the owner's choice (`Sync`).
/// Never compact the log past a snapshot the state can be rebuilt from.
///
/// Nothing is kept in memory: opening is O(1), and memory does not grow with the key count.
public final class MVCCStore: Sendable {
    public static let defaultMapSize = 8 << 30
    /// etcd's default `--quota-backend-bytes`.
    public static let defaultQuotaBytes = 2 << 30

    /// When the state environment's pages reach the disk.
    public enum Sync: Sendable {
        /// One sync per commit (`MDB_NOMETASYNC`): an OS crash may undo the last commit only.
        case everyCommit
        /// At close only (`MDB_NOSYNC`): commits cost no sync, so a member answers a write after
        /// one sync (its log's). A process crash loses nothing, the pages being in the OS's
        /// cache. An OS crash can leave the file damaged: a marker file holding the boot's ID
        /// exists while the environment is open, and an open in a later boot that finds it
        /// discards the environment (`wasDiscarded`), for the host to rebuild from its newest
        /// snapshot and its log.
        case atClose
    }

    public let environment: Environment
    /// Live bytes above which `checkQuota` refuses writes. Lower than the map size, so that
    /// deletes and compaction, which need free pages too, still run when the quota is reached.
    public let quotaBytes: Int
    public let sync: Sync
    /// The environment was found open since an earlier boot (`Sync.atClose`) and replaced by an
    /// empty one.
    public let wasDiscarded: Bool
    let space: KeySpace

    public init(path: String, mapSize: Int = MVCCStore.defaultMapSize, quotaBytes: Int = MVCCStore.defaultQuotaBytes,
                sync: Sync = .everyCommit) throws {
        precondition(quotaBytes < mapSize, "quota \(quotaBytes) must leave headroom below the map size \(mapSize)")
        var discarded = false
        if sync == .atClose {
            discarded = try OpenMarker.discardIfOpenSinceEarlierBoot(environmentPath: path)
        }
        environment = try Environment(path: path, options: .init(
            mapSize: mapSize, durability: sync == .atClose ? .none : .noMetaSync, databases: StateRecords.databases))
        if sync == .atClose { try OpenMarker.write(environmentPath: path) }
        self.quotaBytes = quotaBytes
        self.sync = sync
        wasDiscarded = discarded
        space = KeySpace(environment)
    }

    /// Syncs the environment when its commits were not, and closes it; the object must not be
    /// used afterwards.
    public func close() {
        if sync == .atClose, (try? environment.sync()) != nil {
            OpenMarker.remove(environmentPath: environment.path)
        }
        environment.close()
    }

    // MARK: Reads

    public func range(_ r: RangeRequest) throws -> RangeResponse {
        try r.validate()
        let space = self.space
        return try environment.read { txn in
            try space.range(txn, r,
                            currentRevision: try space.currentRevision(txn),
                            compactRevision: try space.int64(txn, StateRecords.compactRevisionKey))
        }
    }

    /// The current revision, the compaction revision and the last applied Raft entry, as one
    /// consistent reading.
    public func status() throws -> (revision: Int64, compactRevision: Int64, applied: (index: UInt64, term: UInt64)) {
        let space = self.space
        return try environment.read { txn in
            (try space.currentRevision(txn),
             try space.int64(txn, StateRecords.compactRevisionKey),
             try space.applied(txn))
        }
    }

    /// The changes with revision `>= revision`, at most `limit` of them, in revision order
    /// (what Watch sends). Fails when compaction removed the start of that history.
    public func events(from revision: Int64, limit: Int) throws -> [Event] {
        precondition(limit > 0)
        let space = self.space
        return try environment.read { txn in
            if revision < (try space.int64(txn, StateRecords.compactRevisionKey)) { throw MVCCError.compacted }
            var events: [Event] = []
            try txn.withCursor(space.history) { cursor in
                var item = try cursor.seek(atLeast: Revision(main: max(revision, 0)).bytes)
                while events.count < limit, let (key, value) = item {
                    events.append(try StateRecords.decodeChange(at: try Revision(decoding: key), value))
                    item = try cursor.next()
                }
            }
            return events
        }
    }

    /// The keys attached to `lease`, in key order (what a lease revoke deletes).
    public func keys(attachedTo lease: Int64) throws -> [[UInt8]] {
        let space = self.space
        return try environment.read { txn in
            try txn.withCursor(space.leaseKeys) { cursor in
                var keys: [[UInt8]] = []
                var item = try cursor.seek(exactly: StateRecords.leaseKey(lease))
                while let (_, key) = item {
                    keys.append(Array(key))
                    item = try cursor.nextValue()
                }
                return keys
            }
        }
    }

    /// etcd's "db size": bytes up to the highest page in use, free pages LMDB will reuse
    /// included; what a defragment shrinks. Not the file's length: written through its map
    /// (`Sync.atClose`), the file is as long as the map, sparse.
    public func sizeBytes() -> Int {
        environment.usedBytes()
    }

    /// Bytes of live pages (free pages that LMDB will reuse are not counted).
    public func liveBytes() throws -> Int {
        let space = self.space
        return try environment.read { txn in
            try [space.kv, space.history, space.revisions, space.leaseKeys, space.meta, space.cluster]
                .reduce(0) { $0 + (try txn.statistics($1).bytes) }
        }
    }

    /// Number of keys that exist now.
    public func keyCount() throws -> Int {
        let space = self.space
        return try environment.read { txn in try txn.statistics(space.kv).entries }
    }

    /// Refuses a write of about `requestBytes` when live data would pass the quota (etcd checks
    /// before it proposes). Once deletes and compaction free pages, writes are accepted again.
    public func checkQuota(requestBytes: Int) throws {
        if try liveBytes() + requestBytes > quotaBytes { throw StorageError.spaceExceeded }
    }

    // MARK: Writes

    /// Applies the Raft entries up to `index` (of `term`): `body` runs their requests on the
    /// batch, and the changes and the applied index commit together, on the writer thread.
    /// `index` must follow the applied index on disk; the host skips entries at or below it.
    public func apply<R>(index: UInt64, term: UInt64, _ body: (inout MVCCWriteBatch) throws -> R) throws -> R {
        let space = self.space
        return try environment.write { txn in
            let applied = try space.applied(txn)
            precondition(index > applied.index, "entry \(index) applied twice (applied index \(applied.index))")
            precondition(term >= applied.term, "applied term goes back from \(applied.term) to \(term)")
            var batch = MVCCWriteBatch(
                txn: Transaction(pointer: txn.pointer, isWritable: true, maxKeySize: txn.maxKeySize), space: space,
                revision: try space.currentRevision(txn),
                compactRevision: try space.int64(txn, StateRecords.compactRevisionKey))
            let result = try body(&batch)
            try batch.writeRevision()
            try space.setApplied(txn, index: index, term: term)
            return result
        }
    }

    /// Rewrites the state file as a compacted copy, so it shrinks to about `liveBytes()`
    /// (`Environment.defragment`): reads wait only for the swap, writes for the whole call.
    /// Call it on the thread that applies (it pauses every other writer), between two applies.
    /// With `Sync.atClose` the open marker stays: the environment is open throughout, and the
    /// new file commits without syncing like the old one.
    public func defragment() throws {
        try environment.defragment()
    }

    /// Removes one bounded step of compacted history. Returns whether more is left; the host
    /// calls it between batches until it returns `false`.
    @discardableResult
    public func compactStep(batchMax: Int = Limits.compactionBatchMax) throws -> Bool {
        let space = self.space
        return try environment.write { txn in try space.compactStep(txn, batchMax: batchMax) }
    }
}
