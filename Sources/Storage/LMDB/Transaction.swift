import CLMDB

/// An open LMDB transaction, lent to a closure by `Environment.read` or `Environment.write`.
///
/// It is `~Copyable` and only ever passed `borrowing`, so it cannot outlive the closure: the
/// environment ends it when the closure returns. Buffers it hands out point into the memory
/// map and are valid only inside that closure; in a write transaction, only until the next
/// write through it (LMDB may move the page).
public struct Transaction: ~Copyable {
    let pointer: OpaquePointer
    /// Writes are allowed only in a transaction from `Environment.write`.
    public let isWritable: Bool
    let maxKeySize: Int

    init(pointer: OpaquePointer, isWritable: Bool, maxKeySize: Int) {
        self.pointer = pointer
        self.isWritable = isWritable
        self.maxKeySize = maxKeySize
    }

    /// The value stored under `key`, or `nil`.
    public func get(_ database: Database, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var k = MDB_val(key)
        var v = MDB_val()
        let rc = mdb_get(pointer, database.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try StorageError.check(rc, "mdb_get(\(database.name))")
        return v.buffer
    }

    public func get(_ database: Database, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { k in try get(database, k) }
    }

    /// Stores `value` under `key`.
    public func put(_ database: Database, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: PutFlags = []) throws {
        precondition(isWritable, "put in a read transaction")
        guard key.count <= maxKeySize else { throw StorageError.keyTooLong(length: key.count, max: maxKeySize) }
        var k = MDB_val(key)
        var v = MDB_val(value)
        let rc = mdb_put(pointer, database.handle, &k, &v, flags.rawValue)
        if rc == MDB_KEYEXIST && flags.contains(.noDuplicateData) { return }
        try StorageError.check(rc, "mdb_put(\(database.name))")
    }

    public func put(_ database: Database, _ key: [UInt8], _ value: [UInt8], flags: PutFlags = []) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in try put(database, k, v, flags: flags) }
        }
    }

    /// Deletes `key` (every value of it, or only `value` in a `duplicateSort` database).
    /// Returns whether anything was deleted.
    @discardableResult
    public func delete(_ database: Database, _ key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer? = nil) throws -> Bool {
        precondition(isWritable, "delete in a read transaction")
        var k = MDB_val(key)
        let rc: Int32
        if let value {
            var v = MDB_val(value)
            rc = mdb_del(pointer, database.handle, &k, &v)
        } else {
            rc = mdb_del(pointer, database.handle, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try StorageError.check(rc, "mdb_del(\(database.name))")
        return true
    }

    @discardableResult
    public func delete(_ database: Database, _ key: [UInt8], value: [UInt8]? = nil) throws -> Bool {
        try key.withUnsafeBytes { k in
            if let value {
                return try value.withUnsafeBytes { v in try delete(database, k, value: v) }
            }
            return try delete(database, k)
        }
    }

    /// Removes every entry of `database` and keeps the database.
    public func empty(_ database: Database) throws {
        precondition(isWritable, "empty in a read transaction")
        try StorageError.check(mdb_drop(pointer, database.handle, 0), "mdb_drop(\(database.name))")
    }

    /// Entry and page counts of `database` as this transaction sees it.
    public func statistics(_ database: Database) throws -> DatabaseStatistics {
        var stat = MDB_stat()
        try StorageError.check(mdb_stat(pointer, database.handle, &stat), "mdb_stat(\(database.name))")
        return DatabaseStatistics(
            entries: stat.ms_entries, depth: Int(stat.ms_depth), branchPages: stat.ms_branch_pages,
            leafPages: stat.ms_leaf_pages, overflowPages: stat.ms_overflow_pages, pageSize: Int(stat.ms_psize))
    }

    /// Lends a cursor over `database` to `body` and closes it when `body` returns (a cursor of
    /// a write transaction must be closed before the commit).
    public func withCursor<R>(_ database: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        var cursorPointer: OpaquePointer?
        try StorageError.check(mdb_cursor_open(pointer, database.handle, &cursorPointer), "mdb_cursor_open(\(database.name))")
        var cursor = Cursor(pointer: cursorPointer!, isWritable: isWritable, database: database)
        defer { mdb_cursor_close(cursorPointer) }
        return try body(&cursor)
    }
}

extension MDB_val {
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }
}
