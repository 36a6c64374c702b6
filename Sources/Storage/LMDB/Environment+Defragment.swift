import CLMDB
import Glibc

extension Environment {
    /// The compacted copy being written, beside `data.mdb`. A file of this name is a leftover
    /// of a defragment that did not reach its rename, and is removed when the environment opens.
    static let defragmentFileName = "data.mdb.defrag"

    /// Rewrites `data.mdb` as a compacted copy (free pages left out) and reopens the environment
    /// on it, so the file shrinks to about the pages in use. etcd's defragment, made safe:
    ///
    /// 1. Writes are paused for the whole call: it runs on the writer thread, and the caller
    ///    must be the direct writer when there is one (a member's run loop), so nothing can
    ///    commit into the old file after the copy has begun.
    /// 2. The copy (`mdb_env_copyfd2` with `MDB_CP_COMPACT`) goes to `data.mdb.defrag` and is
    ///    synced. Reads go on meanwhile under the gate held shared: with writes paused they see
    ///    the state being copied.
    /// 3. With the gate held exclusive (no read transaction open or being begun), the pooled
    ///    read transactions are ended, the copy is renamed over `data.mdb`, the directory is
    ///    synced, the old map is closed and the new file opened with the same flags and
    ///    databases.
    ///
    /// A crash leaves the old file (and a temporary file the next open removes) until the
    /// rename, the new complete and synced file after it. Until the rename, a failure (a full
    /// disk) removes the temporary file and leaves the environment as it was, serving; the error
    /// is thrown.
    public func defragment() throws {
        if let directWriter = directWriter.withLock({ $0 }) {
            precondition(pthread_equal(directWriter, pthread_self()) != 0,
                         "defragment must run on the thread that writes \(path) directly, else its writes would not be paused")
        }
        try withWritesPaused {
            let temporary = path + "/" + Self.defragmentFileName
            try writeCompactedCopy(to: temporary)
            try gate.withExclusive { try swap(in: temporary) }
        }
    }

    /// Removes the copy a defragment left behind when it stopped before its rename.
    static func removeDefragmentLeftover(path: String) throws {
        let file = path + "/" + defragmentFileName
        guard unlink(file) == 0 else {
            if errno == ENOENT { return }
            throw StorageError.io(operation: "unlink", path: file, errno: errno)
        }
        try FileSystem.syncDirectory(path)
    }

    /// The compacted copy, whole and synced at `file`; nothing at `file` when it throws.
    private func writeCompactedCopy(to file: String) throws {
        let fd = try FileSystem.open(file, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try copyCompacted(to: fd)
            try FileSystem.sync(fd, path: file)
            Glibc.close(fd)
        } catch {
            Glibc.close(fd)
            unlink(file)
            throw error
        }
    }

    /// Puts the synced copy at `file` in place of the open environment. Runs with the gate held
    /// exclusive and writes paused.
    private func swap(in file: String) throws {
        abortPooledReads()
        do {
            try FileSystem.rename(file, path + "/data.mdb")
        } catch {
            unlink(file)
            throw error
        }
        // From here the new file is the environment's: the old map must go whatever happens.
        let directorySynced = Result { try FileSystem.syncDirectory(path) }
        mdb_env_close(pointer)
        reservedBytes = 0
        do {
            pointer = try Self.open(path: path, options: options)
            let reopened = try performWrite(reservingAhead: Self.openingReservationBytes) { txn in try Self.openDatabases(txn, options.databases) }
            precondition(reopened == databases, "the defragmented copy of \(path) opened its databases under other handles")
        } catch {
            // The directory holds a whole, synced environment that a restart opens; this
            // process has no map to serve from.
            fatalError("\(path) cannot be reopened after its defragmented copy was swapped in: \(error)")
        }
        try directorySynced.get()
    }
}
