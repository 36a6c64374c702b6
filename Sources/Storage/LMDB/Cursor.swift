import CLMDB

/// A position in one database of a transaction, lent by `Transaction.withCursor`.
///
/// Every move returns the entry it lands on, or `nil` when there is none (`MDB_NOTFOUND`).
/// The buffers point into the map: valid inside the transaction, until the next write.
public struct Cursor: ~Copyable {
    public typealias Item = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    let pointer: OpaquePointer
    let isWritable: Bool
    let database: Database

    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil, value: UnsafeRawBufferPointer? = nil) throws -> Item? {
        var k = key.map { MDB_val($0) } ?? MDB_val()
        var v = value.map { MDB_val($0) } ?? MDB_val()
        let rc = mdb_cursor_get(pointer, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try StorageError.check(rc, "mdb_cursor_get(\(database.name), op \(op.rawValue))")
        return (k.buffer, v.buffer)
    }

    public func first() throws -> Item? { try move(MDB_FIRST) }
    public func last() throws -> Item? { try move(MDB_LAST) }
    public func next() throws -> Item? { try move(MDB_NEXT) }

    /// The first entry whose key is `>= key` (`MDB_SET_RANGE`).
    public func seek(atLeast key: UnsafeRawBufferPointer) throws -> Item? {
        try move(MDB_SET_RANGE, key: key)
    }

    public func seek(atLeast key: [UInt8]) throws -> Item? {
        try key.withUnsafeBytes { k in try seek(atLeast: k) }
    }

    /// The entry with exactly `key` (its first value in a `duplicateSort` database).
    public func seek(exactly key: UnsafeRawBufferPointer) throws -> Item? {
        try move(MDB_SET_KEY, key: key)
    }

    // MARK: duplicateSort databases

    /// The first value of the next key, from any value of the current one (`MDB_NEXT_NODUP`).
    public func nextKey() throws -> Item? { try move(MDB_NEXT_NODUP) }
    /// The next value of the current key (`MDB_NEXT_DUP`).
    public func nextValue() throws -> Item? { try move(MDB_NEXT_DUP) }
    /// The previous value of the current key (`MDB_PREV_DUP`).
    public func previousValue() throws -> Item? { try move(MDB_PREV_DUP) }
    /// The last value of the current key (`MDB_LAST_DUP`).
    public func lastValue() throws -> Item? { try move(MDB_LAST_DUP) }
    /// The first value `>= value` of exactly `key` (`MDB_GET_BOTH_RANGE`).
    public func seek(key: UnsafeRawBufferPointer, valueAtLeast value: UnsafeRawBufferPointer) throws -> Item? {
        try move(MDB_GET_BOTH_RANGE, key: key, value: value)
    }

    // MARK: Writes

    /// Stores `key` with a value of `size` bytes that `fill` writes in place, in the map
    /// (`MDB_RESERVE`): no intermediate buffer. Not for `duplicateSort` databases.
    public func put(_ key: UnsafeRawBufferPointer, reservingValueBytes size: Int, flags: PutFlags = [], fill: (UnsafeMutableRawBufferPointer) -> Void) throws {
        precondition(isWritable, "cursor put in a read transaction")
        var k = MDB_val(key)
        var v = MDB_val(mv_size: size, mv_data: nil)
        try StorageError.check(mdb_cursor_put(pointer, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)), "mdb_cursor_put(\(database.name), reserve)")
        fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: size))
    }

    /// Deletes the entry under the cursor; the following `next()` lands on the entry after it.
    public func deleteCurrent() throws {
        precondition(isWritable, "cursor delete in a read transaction")
        try StorageError.check(mdb_cursor_del(pointer, 0), "mdb_cursor_del(\(database.name))")
    }
}

extension Cursor {
    public func seek(exactly key: [UInt8]) throws -> Item? {
        try key.withUnsafeBytes { k in try seek(exactly: k) }
    }

    public func seek(key: [UInt8], valueAtLeast value: [UInt8]) throws -> Item? {
        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try seek(key: k, valueAtLeast: v) } }
    }
}
