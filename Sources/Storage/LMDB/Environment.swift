import CLMDB
import Foundation
import Synchronization

/// One LMDB environment (a directory with `data.mdb` and `lock.mdb`) and its named databases.
///
/// Reads run on the caller's thread in transactions scoped to a closure (`MDB_NOTLS`, so a
/// thread may hold several and tasks may hop threads); finished read transactions are reset
/// and kept for reuse (`mdb_txn_reset`/`mdb_txn_renew` cost nothing measurable, begin/abort take
/// the reader-table lock). Writes run on the environment's `WriterThread`.
///
/// `defragment` replaces the file and the map under everyone's feet, so everything that uses the
/// map outside a write holds the `SwapGate` shared; writes are kept out by pausing the writer.
public final class Environment: @unchecked Sendable {
    /// When a commit is durable.
    public enum Durability: Sendable {
        /// Two syncs per commit (data, then meta page): durable when `write` returns.
        case full
        /// One sync per commit (`MDB_NOMETASYNC`): integrity kept, but an OS crash may undo the
        /// last commit. For state that can be re-derived from a fully synchronous log.
        case noMetaSync
        /// No sync at commit (`MDB_NOSYNC`): a process crash loses nothing (the pages are in the
        /// OS's cache), an OS crash can leave the file damaged. For state that is rebuilt from a
        /// snapshot and the log after an OS crash; `sync()` makes it durable.
        ///
        /// Pages are changed in the map itself (`MDB_WRITEMAP`), so a commit makes no system call:
        /// without it LMDB writes every dirty page with its own `pwrite`, about eight per commit
        /// of one put, the largest share of a follower's work per write after its fsync. The
        /// file is then as long as the map from the start (sparse); see `reserveSpaceAhead`.
        case none
    }

    public struct Options: Sendable {
        /// Upper bound of the file; a write beyond it fails with `StorageError.spaceExceeded`.
        public var mapSize: Int
        public var maxReaders: UInt32
        public var durability: Durability
        /// The named databases to open (created when missing).
        public var databases: [String: DatabaseFlags]

        public init(mapSize: Int, maxReaders: UInt32 = Limits.readersMax, durability: Durability, databases: [String: DatabaseFlags]) {
            self.mapSize = mapSize
            self.maxReaders = maxReaders
            self.durability = durability
            self.databases = databases
        }
    }

    public let path: String
    public let options: Options
    /// The open environment. Read under `gate` held shared, or by a writer (writes cannot run
    /// during a swap); replaced only by `defragment`, with the gate held exclusive and writes paused.
    var pointer: OpaquePointer
    let gate = SwapGate()
    private let writer: WriterThread
    private(set) var databases: [String: Database] = [:]
    /// `mdb_env_get_maxkeysize`: keys (and values of `duplicateSort` databases) up to this many bytes.
    public let maxKeySize: Int

    /// The thread allowed to write without the writer thread (`letCurrentThreadWriteDirectly`).
    let directWriter = Mutex<pthread_t?>(nil)
    /// Bytes of the file, from its start, whose disk blocks are reserved (`reserveSpaceAhead`).
    /// Only writers touch it, holding LMDB's writer lock; a defragment's swap, with writes
    /// paused, starts it over for the new file.
    var reservedBytes = 0
    private let poolLock = NSLock()
    private var readPool: [OpaquePointer] = []  // guarded by `poolLock`; reset read transactions of `pointer`
    private var isClosed = false

    /// Opens (creating when missing) the environment in directory `path`.
    public init(path: String, options: Options) throws {
        Limits.checkRelations()
        precondition(options.databases.count <= Limits.databasesMax, "too many named databases")
        precondition(options.mapSize > 0 && options.mapSize % Limits.pageSizeAssumed == 0, "map size must be a whole number of pages")
        self.path = path
        self.options = options
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)

        try Self.removeDefragmentLeftover(path: path)
        let pointer = try Self.open(path: path, options: options)
        self.pointer = pointer
        self.maxKeySize = Int(mdb_env_get_maxkeysize(pointer))
        precondition(maxKeySize >= Limits.keyBytesMax, "this LMDB indexes keys up to \(maxKeySize) bytes, Limits.keyBytesMax is \(Limits.keyBytesMax)")
        self.writer = WriterThread(name: "lmdb-" + (path.split(separator: "/").last ?? ""))

        do {
            databases = try write(reservingAhead: Self.openingReservationBytes) { txn in try Self.openDatabases(txn, options.databases) }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// `mdb_env_open` with the flags `options` ask for, then frees reader slots of dead processes.
    static func open(path: String, options: Options) throws -> OpaquePointer {
        var env: OpaquePointer?
        try StorageError.check(mdb_env_create(&env), "mdb_env_create")
        let pointer = env!
        var flags = UInt32(MDB_NOTLS)
        switch options.durability {
        case .full: break
        case .noMetaSync: flags |= UInt32(MDB_NOMETASYNC)
        case .none: flags |= UInt32(MDB_NOSYNC) | UInt32(MDB_WRITEMAP)
        }
        do {
            try StorageError.check(mdb_env_set_mapsize(pointer, options.mapSize), "mdb_env_set_mapsize")
            try StorageError.check(mdb_env_set_maxreaders(pointer, options.maxReaders), "mdb_env_set_maxreaders")
            try StorageError.check(mdb_env_set_maxdbs(pointer, MDB_dbi(Limits.databasesMax)), "mdb_env_set_maxdbs")
            try StorageError.check(mdb_env_open(pointer, path, flags, 0o644), "mdb_env_open(\(path))")
            // Reader slots left by a process that died (SIGKILL) would pin old pages forever and
            // make the file grow; free them now.
            var stale: Int32 = 0
            try StorageError.check(mdb_reader_check(pointer, &stale), "mdb_reader_check")
        } catch {
            mdb_env_close(pointer)
            throw error
        }
        return pointer
    }

    /// Opens (creating when missing) the named databases, in name order: the same names in the
    /// same order get the same handles in any file of this environment.
    static func openDatabases(_ txn: borrowing Transaction, _ databases: [String: DatabaseFlags]) throws -> [String: Database] {
        var opened: [String: Database] = [:]
        for (name, dbFlags) in databases.sorted(by: { $0.key < $1.key }) {
            var handle: MDB_dbi = 0
            try StorageError.check(mdb_dbi_open(txn.pointer, name, dbFlags.rawValue | UInt32(MDB_CREATE), &handle), "mdb_dbi_open(\(name))")
            opened[name] = Database(handle: handle, name: name)
        }
        return opened
    }

    /// Ends the writer thread and closes the environment. Every transaction must have ended.
    public func close() {
        if isClosed { return }
        isClosed = true
        writer.stop()
        abortPooledReads()
        mdb_env_close(pointer)
    }

    /// Ends the reset read transactions kept for reuse; they belong to the map of `pointer`.
    func abortPooledReads() {
        poolLock.lock()
        for txn in readPool { mdb_txn_abort(txn) }
        readPool = []
        poolLock.unlock()
    }

    /// The database opened under `name`.
    public func database(_ name: String) -> Database {
        guard let database = databases[name] else { preconditionFailure("database \(name) was not opened") }
        return database
    }

    // MARK: Reads

    /// Runs `body` in a read transaction on the calling thread; it sees one consistent state.
    /// Keep it short: a read transaction held open stops LMDB from reusing pages, and a
    /// `defragment` waits for it. `body` must not read this environment again (`SwapGate`).
    public func read<R>(_ body: (borrowing Transaction) throws -> R) throws -> R {
        gate.lockShared()
        defer { gate.unlockShared() }
        let txn = try beginRead()
        let transaction = Transaction(pointer: txn, isWritable: false, maxKeySize: maxKeySize)
        defer { endRead(txn) }
        return try body(transaction)
    }

    private func beginRead() throws -> OpaquePointer {
        poolLock.lock()
        let pooled = readPool.popLast()
        poolLock.unlock()
        if let pooled {
            if mdb_txn_renew(pooled) == MDB_SUCCESS { return pooled }
            mdb_txn_abort(pooled)
        }
        var txn: OpaquePointer?
        try StorageError.check(mdb_txn_begin(pointer, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
        return txn!
    }

    private func endRead(_ txn: OpaquePointer) {
        mdb_txn_reset(txn)
        poolLock.lock()
        if readPool.count < Limits.pooledReadTransactionsMax {
            readPool.append(txn)
            poolLock.unlock()
        } else {
            poolLock.unlock()
            mdb_txn_abort(txn)
        }
    }

    // MARK: Writes

    /// Runs `body` in a write transaction on the writer thread and commits it; the caller waits.
    /// When `body` throws, nothing it wrote is kept. With `.full` durability the commit is on
    /// disk when this returns.
    ///
    /// `reservingAhead`: with `Durability.none`, the most this transaction may grow the file by
    /// (see `reserveSpaceAhead`); a transaction known to grow it more (a snapshot install) says so.
    public func write<R>(reservingAhead: Int = Limits.writeMapReservedAheadBytes, _ body: (borrowing Transaction) throws -> R) throws -> R {
        if let directWriter = directWriter.withLock({ $0 }), pthread_equal(directWriter, pthread_self()) != 0 {
            return try performWrite(reservingAhead: reservingAhead, body)
        }
        var result: Result<R, any Error>?
        writer.runAndWait {
            result = Result { try self.performWrite(reservingAhead: reservingAhead, body) }
        }
        return try result!.get()
    }

    /// `write` for async callers: the task is suspended, not its thread, while the writer works.
    public func write<R: Sendable>(_ body: @escaping @Sendable (borrowing Transaction) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            writer.run {
                continuation.resume(with: Result { try self.performWrite(body) })
            }
        }
    }

    /// Lets the calling thread, a dedicated thread that writes often (a member's run loop, the
    /// log's flusher), run its `write`s itself instead of handing each to the writer thread and
    /// waiting: two thread switches fewer per commit. LMDB's writer lock still orders them with
    /// the writer thread's. It must be a thread of its own: a Swift task may hop threads
    /// between beginning and committing.
    public func letCurrentThreadWriteDirectly() {
        directWriter.withLock { $0 = pthread_self() }
    }

    /// Runs `body` on the writer thread with no transaction open, so no write through the writer
    /// thread can commit while it runs (a snapshot uses this to start its copy at a known
    /// state). The direct writer's writes are not held: it is the one that calls this.
    public func withWritesPaused<R>(_ body: () throws -> R) throws -> R {
        var result: Result<R, any Error>?
        writer.runAndWait {
            result = Result { try body() }
        }
        return try result!.get()
    }

    func performWrite<R>(reservingAhead: Int = Limits.writeMapReservedAheadBytes, _ body: (borrowing Transaction) throws -> R) throws -> R {
        var txn: OpaquePointer?
        try StorageError.check(mdb_txn_begin(pointer, nil, 0, &txn), "mdb_txn_begin(write)")
        let transaction = Transaction(pointer: txn!, isWritable: true, maxKeySize: maxKeySize)
        let value: R
        do {
            // Under LMDB's writer lock, which the direct writer and the writer thread share.
            if options.durability == .none { try reserveSpaceAhead(reservingAhead) }
            value = try body(transaction)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try StorageError.check(mdb_txn_commit(txn), "mdb_txn_commit")
        return value
    }

    /// Opening the named databases writes a few pages at most, in a new file only.
    static let openingReservationBytes = 1 << 20

    /// With `MDB_WRITEMAP` a transaction writes its pages through the map, into a sparse file;
    /// on a full disk, a page without a disk block would fail as SIGBUS at that write, not as an
    /// error. So at the start of each write transaction, blocks are reserved
    /// (`posix_fallocate`, from where the last reservation ended) up to `ahead` bytes past the
    /// highest page in use, with `Limits.writeMapReservationStepBytes` more so that one call
    /// serves many transactions: a full disk fails here, with ENOSPC, before anything is
    /// written. A transaction that grows the file by more than it reserved (a delete range that
    /// copies more pages than that) could still meet SIGBUS on a full disk.
    private func reserveSpaceAhead(_ ahead: Int) throws {
        let used = bytesUpToHighestPage()
        guard used + ahead > reservedBytes, reservedBytes < options.mapSize else { return }
        let target = min(options.mapSize, used + ahead + Limits.writeMapReservationStepBytes)
        var fd: Int32 = -1
        try StorageError.check(mdb_env_get_fd(pointer, &fd), "mdb_env_get_fd(\(path))")
        let code = posix_fallocate(fd, off_t(reservedBytes), off_t(target - reservedBytes))
        guard code == 0 else { throw StorageError.io(operation: "posix_fallocate", path: path + "/data.mdb", errno: code) }
        reservedBytes = target
    }

    // MARK: Whole-environment operations

    /// Writes every committed page to disk (`mdb_env_sync`, forced).
    public func sync() throws {
        try gate.withShared {
            try StorageError.check(mdb_env_sync(pointer, 1), "mdb_env_sync(\(path))")
        }
    }

    /// Bytes up to the highest page ever used (`mdb_env_info`'s last page): what the file
    /// needs now, counting free pages LMDB will reuse. An upper bound on the data held.
    public func usedBytes() -> Int {
        gate.withShared { bytesUpToHighestPage() }
    }

    /// `usedBytes` for a caller that holds the gate or is the writer (a swap cannot run).
    private func bytesUpToHighestPage() -> Int {
        var info = MDB_envinfo()
        _ = mdb_env_info(pointer, &info)
        return (info.me_last_pgno + 1) * Limits.pageSizeAssumed
    }

    /// Writes a compacted copy of the environment (free pages left out) to `fd`, from a read
    /// transaction LMDB begins itself (`mdb_env_copyfd2` with `MDB_CP_COMPACT`).
    public func copyCompacted(to fd: Int32) throws {
        try gate.withShared {
            try StorageError.check(mdb_env_copyfd2(pointer, fd, UInt32(MDB_CP_COMPACT)), "mdb_env_copyfd2")
        }
    }
}
