import Glibc

extension SnapshotFile {
    /// The whole file, as a member sends it to a member that needs it.
    public static func contents(of path: String) throws -> [UInt8] {
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { close(fd) }
        let size = try FileSystem.size(fd, path: path)
        var bytes = [UInt8](repeating: 0, count: size)
        let read = try bytes.withUnsafeMutableBytes { try FileSystem.readFully(fd, into: $0, path: path) }
        guard read == size else { throw SnapshotError.truncated(expectedBytes: size, actualBytes: read) }
        return bytes
    }

    /// Stores a snapshot file received from another member at `path`, durably and whole
    /// (through `path.part`, synced, renamed, directory synced), after checking all of it.
    /// Nothing is left at `path` when the bytes are not a valid snapshot.
    @discardableResult
    public static func save(_ bytes: [UInt8], to path: String) throws -> SnapshotHeader {
        let partPath = path + ".part"
        let fd = try FileSystem.open(partPath, O_WRONLY | O_CREAT | O_TRUNC)
        var succeeded = false
        defer { if !succeeded { unlink(partPath) } }
        do {
            defer { close(fd) }
            try bytes.withUnsafeBytes { try FileSystem.writeAll(fd, $0, path: partPath) }
            try FileSystem.sync(fd, path: partPath)
        }
        let header = try verify(partPath)
        try FileSystem.rename(partPath, path)
        try FileSystem.syncDirectory(FileSystem.parent(of: path))
        succeeded = true
        return header
    }
}
