import Foundation
import Glibc
import Raft

/// Snapshot files: a `SnapshotHeader`, then one LZ4 frame holding a compacted copy of the state
/// environment (`mdb_env_copyfd2` with `MDB_CP_COMPACT`: free pages left out).
public enum SnapshotFile {
    /// What `status` reports about a file.
    public struct Status: Sendable, Equatable {
        public var header: SnapshotHeader
        public var fileBytes: Int
        /// Every block checksum, the content checksum and the sizes matched.
        public var isValid: Bool
        /// Why it is not valid.
        public var problem: String?
    }

    // MARK: Create

    /// Writes a snapshot of `store` to `path` (through `path.part`, renamed when complete and
    /// synced, so `path` is either absent or whole). `confState` is the configuration at the
    /// store's applied index, which the host knows. See `SnapshotCopy` for how the copied
    /// state is pinned down.
    @discardableResult
    public static func create(from store: MVCCStore, confState: ConfState, to path: String) throws -> SnapshotHeader {
        try SnapshotCopy.begin(from: store, confState: confState, to: path).finish()
    }

    // MARK: Read

    /// Reads and checks the header alone (magic, format, header checksum).
    public static func readHeader(_ path: String) throws -> SnapshotHeader {
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { close(fd) }
        return try readHeader(fd, path: path)
    }

    private static func readHeader(_ fd: Int32, path: String) throws -> SnapshotHeader {
        var prefix = [UInt8](repeating: 0, count: SnapshotHeader.prefixBytes)
        let got = try prefix.withUnsafeMutableBytes { try FileSystem.readFully(fd, into: $0, path: path) }
        guard got == prefix.count else { throw got >= 8 && Array(prefix[0..<8]) == SnapshotHeader.magic ? SnapshotError.headerCorrupted : SnapshotError.notASnapshot }
        let length = try SnapshotHeader.length(prefix: prefix)
        var rest = [UInt8](repeating: 0, count: length - prefix.count)
        let gotRest = try rest.withUnsafeMutableBytes { try FileSystem.readFully(fd, into: $0, path: path) }
        guard gotRest == rest.count else { throw SnapshotError.headerCorrupted }
        return try SnapshotHeader(decoding: prefix + rest)
    }

    /// Reads the whole file, checking the header, the size, every LZ4 checksum and the data
    /// size; hands the decompressed data to `sink` as it goes. Throws on the first problem.
    @discardableResult
    public static func verify(_ path: String, _ sink: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws -> SnapshotHeader {
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { close(fd) }
        let header = try readHeader(fd, path: path)
        let expected = header.encodedBytes + Int(header.frameBytes)
        let actual = try FileSystem.size(fd, path: path)
        if actual == EtcdSnapshotTrailer.trailedLength(expected) {
            try checkTrailer(path, length: actual)
        } else if actual != expected {
            if actual < expected { throw SnapshotError.truncated(expectedBytes: expected, actualBytes: actual) }
            throw SnapshotError.dataCorrupted("\(actual - expected) bytes after the end of the snapshot")
        }
        var decoder = try LZ4FrameDecoder()
        var dataBytes: UInt64 = 0
        var chunk = [UInt8](repeating: 0, count: Limits.snapshotChunkBytes)
        var frameLeft = Int(header.frameBytes)
        do {
            while frameLeft > 0 {
                let count = try chunk.withUnsafeMutableBytes {
                    try FileSystem.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0.prefix(frameLeft)), path: path)
                }
                if count == 0 { break }
                frameLeft -= count
                try chunk.withUnsafeBytes { bytes in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes.prefix(count))) { data in
                        dataBytes += UInt64(data.count)
                        guard dataBytes <= header.dataBytes else { throw SnapshotError.dataCorrupted("more data than the header's \(header.dataBytes) bytes") }
                        try sink(data)
                    }
                }
            }
        } catch let error as LZ4FrameError {
            throw SnapshotError.dataCorrupted(error.name)
        }
        guard decoder.isComplete else { throw SnapshotError.dataCorrupted("the LZ4 frame ends early") }
        guard dataBytes == header.dataBytes else { throw SnapshotError.dataCorrupted("\(dataBytes) bytes of data, header says \(header.dataBytes)") }
        return header
    }

    /// Checks the SHA-256 trailer of a file saved from the Maintenance.Snapshot stream.
    private static func checkTrailer(_ path: String, length: Int) throws {
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { close(fd) }
        var hash = SHA256()
        var left = length - SHA256.digestBytes
        var chunk = [UInt8](repeating: 0, count: Limits.snapshotChunkBytes)
        while left > 0 {
            let count = try chunk.withUnsafeMutableBytes {
                try FileSystem.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0.prefix(left)), path: path)
            }
            guard count > 0 else { throw SnapshotError.truncated(expectedBytes: length, actualBytes: length - left) }
            hash.update(chunk.prefix(count))
            left -= count
        }
        var digest = [UInt8](repeating: 0, count: SHA256.digestBytes)
        let got = try digest.withUnsafeMutableBytes { try FileSystem.readFully(fd, into: $0, path: path) }
        guard got == digest.count, digest == hash.finalize() else {
            throw SnapshotError.dataCorrupted("the SHA-256 trailer does not match the file")
        }
    }

    /// The header and whether the whole file checks out. Throws only when the header itself
    /// cannot be read (not a snapshot, damaged header).
    public static func status(_ path: String) throws -> Status {
        let header = try readHeader(path)
        let fd = try FileSystem.open(path, O_RDONLY)
        let fileBytes = try FileSystem.size(fd, path: path)
        close(fd)
        do {
            try verify(path)
            return Status(header: header, fileBytes: fileBytes, isValid: true, problem: nil)
        } catch {
            return Status(header: header, fileBytes: fileBytes, isValid: false, problem: "\(error)")
        }
    }

    // MARK: Restore

    /// Builds a new data directory at `dataDirectory` from the snapshot at `path`: the state
    /// environment from the snapshot, and a log that starts after the snapshot's index with
    /// `confState` (the header's when `nil`).
    ///
    /// The file is verified completely first. The directory is built beside its destination,
    /// every file and directory synced, then renamed into place: a crash at any point leaves
    /// either no directory or the whole one (and a leftover `.restoring` directory to remove).
    public static func restore(_ path: String, into dataDirectory: String, confState: ConfState? = nil) throws {
        let header = try verify(path)
        if FileSystem.exists(dataDirectory) { throw SnapshotError.destinationExists(dataDirectory) }
        let building = DataDirectory(dataDirectory + ".restoring")
        try? FileManager.default.removeItem(atPath: building.path)
        try FileManager.default.createDirectory(atPath: building.statePath, withIntermediateDirectories: true)
        var succeeded = false
        defer { if !succeeded { try? FileManager.default.removeItem(atPath: building.path) } }

        let dataPath = building.statePath + "/data.mdb"
        let fd = try FileSystem.open(dataPath, O_WRONLY | O_CREAT | O_EXCL)
        do {
            defer { close(fd) }
            try verify(path) { data in try FileSystem.writeAll(fd, data, path: dataPath) }
            try FileSystem.sync(fd, path: dataPath)
        }

        // The copy must be the state the header describes.
        let store = try MVCCStore(path: building.statePath)
        let status = try store.status()
        store.close()
        guard status.applied.index == header.raftIndex, status.applied.term == header.raftTerm, status.revision == header.revision else {
            throw SnapshotError.stateMismatch("applied \(status.applied), revision \(status.revision)")
        }

        let log = try LogStorage(path: building.raftPath)
        try log.applySnapshot(Snapshot(metadata: SnapshotMetadata(index: header.raftIndex, term: header.raftTerm, confState: confState ?? header.confState)))
        try log.setHardState(HardState(term: header.raftTerm, vote: noNode, commit: header.raftIndex))
        log.close()

        for directory in [building.statePath, building.raftPath, building.path] { try FileSystem.syncDirectory(directory) }
        try FileSystem.rename(building.path, dataDirectory)
        try FileSystem.syncDirectory(FileSystem.parent(of: dataDirectory))
        succeeded = true
    }
}
