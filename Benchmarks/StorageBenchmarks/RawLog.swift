import RawLMDB

/// The log pattern written straight against LMDB's C API, as the baseline for `LogStorage`:
/// one fully synchronous transaction per batch, 8-byte big-endian keys put with `MDB_APPEND`,
/// values of the same size as `LogStorage` writes (term, kind, payload).
final class RawLog {
    private let env: OpaquePointer
    private let dbi: MDB_dbi
    private var lastIndex: UInt64 = 0

    init(path: String) {
        var env: OpaquePointer?
        Self.check(mdb_env_create(&env))
        Self.check(mdb_env_set_mapsize(env, 8 << 30))
        Self.check(mdb_env_set_maxdbs(env, 2))
        Self.check(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644))
        var txn: OpaquePointer?
        var dbi: MDB_dbi = 0
        Self.check(mdb_txn_begin(env, nil, 0, &txn))
        Self.check(mdb_dbi_open(txn, "entries", UInt32(MDB_CREATE), &dbi))
        Self.check(mdb_txn_commit(txn))
        self.env = env!
        self.dbi = dbi
    }

    deinit { mdb_env_close(env) }

    func append(batch: Int, payload: [UInt8]) {
        var value = [UInt8](repeating: 0, count: payload.count + 9)
        var txn: OpaquePointer?
        Self.check(mdb_txn_begin(env, nil, 0, &txn))
        for _ in 0..<batch {
            lastIndex += 1
            var key = lastIndex.bigEndian
            withUnsafeMutableBytes(of: &key) { k in
                value.withUnsafeMutableBytes { v in
                    var kv = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                    var vv = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                    Self.check(mdb_put(txn, dbi, &kv, &vv, UInt32(MDB_APPEND)))
                }
            }
        }
        Self.check(mdb_txn_commit(txn))
    }

    private static func check(_ rc: Int32) {
        precondition(rc == 0, String(cString: mdb_strerror(rc)))
    }
}
