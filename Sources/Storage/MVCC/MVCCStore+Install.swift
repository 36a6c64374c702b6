import Foundation
import Glibc

extension MVCCStore {
    /// Replaces the whole key space (and the applied index, and the cluster records) with the
    /// snapshot file at `path`, in one write transaction: a crash or a concurrent reader sees
    /// either the old state or the new one, never a mix, and this object stays the one every
    /// reader holds.
    ///
    /// The file is checked completely while it is decompressed into a scratch environment in
    /// `scratchDirectory` (removed again), whose applied index and revision must be the
    /// header's. Then every database is emptied and refilled from the scratch copy in key order
    /// (`MDB_APPEND`, no page splits).
    ///
    /// Space: until the commit, the old pages stay (readers may hold them), so the map must hold
    /// the old and the new state together; the map is sized at twice the quota for that. Memory:
    /// LMDB spills dirty pages of a large transaction to the file, so it stays bounded.
    ///
    /// - Returns: the snapshot's header.
    @discardableResult
    public func install(snapshot path: String, scratchDirectory: String) throws -> SnapshotHeader {
        let scratch = try Self.decompress(path, into: scratchDirectory, mapSize: environment.options.mapSize)
        defer {
            scratch.store.close()
            try? FileManager.default.removeItem(atPath: scratchDirectory)
        }
        let header = scratch.header
        let installed = try status()
        guard header.raftIndex > installed.applied.index else {
            throw SnapshotError.stateMismatch("snapshot at index \(header.raftIndex) is not newer than the applied index \(installed.applied.index)")
        }

        let (target, source) = (environment, scratch.store.environment)
        // The old pages stay until the commit: the file grows by the whole new state.
        try target.write(reservingAhead: source.usedBytes() + Limits.writeMapReservedAheadBytes) { txn in
            try source.read { from in
                for (name, flags) in StateRecords.databases.sorted(by: { $0.key < $1.key }) {
                    let (into, origin) = (target.database(name), source.database(name))
                    let putFlags: PutFlags = flags.contains(.duplicateSort) ? .appendDuplicate : .append
                    try txn.empty(into)
                    try from.withCursor(origin) { cursor in
                        var item = try cursor.first()
                        while let (key, value) = item {
                            try txn.put(into, key, value, flags: putFlags)
                            item = try cursor.next()
                        }
                    }
                }
            }
        }
        return header
    }

    /// Decompresses (and so verifies) the snapshot at `path` into a new environment in
    /// `directory`, and checks that it holds the state its header describes.
    private static func decompress(_ path: String, into directory: String, mapSize: Int) throws -> (header: SnapshotHeader, store: MVCCStore) {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dataPath = directory + "/data.mdb"
        let fd = try FileSystem.open(dataPath, O_WRONLY | O_CREAT | O_EXCL)
        let header: SnapshotHeader
        do {
            defer { Glibc.close(fd) }
            header = try SnapshotFile.verify(path) { data in try FileSystem.writeAll(fd, data, path: dataPath) }
        }
        // The copy needs no sync: after a crash it is made again from the file.
        let pages = (Int(header.dataBytes) + Limits.pageSizeAssumed - 1) / Limits.pageSizeAssumed
        let store = try MVCCStore(path: directory, mapSize: max(mapSize, (pages + 1) * Limits.pageSizeAssumed), quotaBytes: 1)
        do {
            let status = try store.status()
            guard status.applied.index == header.raftIndex, status.applied.term == header.raftTerm, status.revision == header.revision else {
                throw SnapshotError.stateMismatch("applied \(status.applied), revision \(status.revision)")
            }
        } catch {
            store.close()
            throw error
        }
        return (header, store)
    }
}
