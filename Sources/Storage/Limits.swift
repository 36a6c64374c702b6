/// Every bound of the storage engine, in one place (TigerBeetle's `constants.zig`): what it
/// limits and why it has its value. Relations between them are asserted below.
public enum Limits {
    /// LMDB's page size on x86_64 Linux; map sizes are whole multiples of it.
    public static let pageSizeAssumed = 4096

    /// Named databases per environment (`mdb_env_set_maxdbs`): the state environment needs six.
    public static let databasesMax = 16

    /// Reader slots per environment (LMDB's default is 126). Each concurrent read transaction,
    /// and each pooled reset one, takes a slot.
    public static let readersMax: UInt32 = 512

    /// Reset read transactions kept for reuse per environment.
    public static let pooledReadTransactionsMax = 64

    /// Bytes in a key. LMDB indexes keys up to `mdb_env_get_maxkeysize` (511 in Debian's build,
    /// checked at open); a longer key is refused at the request, before it can reach a batch.
    public static let keyBytesMax = 511

    /// Operations in one Txn request: etcd's `--max-txn-ops` default.
    public static let txnOperationsMax = 128

    /// History entries one compaction step removes in a single write transaction, so a
    /// compaction never holds the writer for long.
    public static let compactionBatchMax = 1000

    /// Bytes read from the copy pipe and handed to LZ4 at a time while making a snapshot.
    public static let snapshotChunkBytes = 1 << 20

    /// Disk blocks reserved past the highest page in use in an environment written through its
    /// map (`Environment.Durability.none`): the most one write transaction may grow the file
    /// by. A member's apply holds at most `RaftConfiguration.maxCommittedBytesPerReady` (64 MiB)
    /// of entries; three times that leaves room for keys stored twice (`kv` and `history`) and
    /// the branch pages a transaction copies.
    public static let writeMapReservedAheadBytes = 192 << 20

    /// How far each reservation reaches past `writeMapReservedAheadBytes`, so that one
    /// `posix_fallocate` serves many transactions.
    public static let writeMapReservationStepBytes = 64 << 20

    static func checkRelations() {
        assert(Int(readersMax) > pooledReadTransactionsMax * 2, "pooled readers must leave slots for live ones")
        assert(compactionBatchMax > 0)
        assert(snapshotChunkBytes % pageSizeAssumed == 0)
        assert(writeMapReservedAheadBytes % pageSizeAssumed == 0 && writeMapReservationStepBytes % pageSizeAssumed == 0)
    }
}
