import Glibc

/// The file that says a state environment committed without syncing is open, and since which
/// boot (`MVCCStore.Sync.atClose`).
///
/// Linux gives every boot a random ID (`/proc/sys/kernel/random/boot_id`). A marker left by a
/// process that died in this boot is harmless: its pages are in the OS's cache. A marker from
/// another boot means the OS went down with the environment open, and the file may hold a
/// meta page whose tree never reached the disk: the environment is discarded.
enum OpenMarker {
    static let fileName = "open-since-boot"

    static func path(_ environmentPath: String) -> String { environmentPath + "/" + fileName }

    /// Writes the marker durably before the first unsynced commit.
    static func write(environmentPath: String) throws {
        let path = path(environmentPath)
        let fd = try FileSystem.open(path + ".tmp", O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileSystem.writeAll(fd, Array(try currentBootID().utf8), at: 0, path: path)
            try FileSystem.sync(fd, path: path)
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        try FileSystem.rename(path + ".tmp", path)
        try FileSystem.syncDirectory(environmentPath)
    }

    static func remove(environmentPath: String) {
        unlink(path(environmentPath))
    }

    /// Removes the environment's files when its marker is from another boot; returns whether it did.
    static func discardIfOpenSinceEarlierBoot(environmentPath: String) throws -> Bool {
        let path = path(environmentPath)
        guard FileSystem.exists(path) else { return false }
        let boot = String(decoding: try FileSystem.readWholeFile(path), as: UTF8.self)
        guard boot != (try currentBootID()) else { return false }
        for name in ["data.mdb", "lock.mdb", Environment.defragmentFileName, fileName] {
            let file = environmentPath + "/" + name
            if unlink(file) != 0 && errno != ENOENT { throw StorageError.io(operation: "unlink", path: file, errno: errno) }
        }
        try FileSystem.syncDirectory(environmentPath)
        return true
    }

    static func currentBootID() throws -> String {
        let path = "/proc/sys/kernel/random/boot_id"
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try buffer.withUnsafeMutableBytes { try FileSystem.readFully(fd, into: $0, path: path) }
        let id = String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace()
        guard !id.isEmpty else { throw StorageError.io(operation: "read (empty)", path: path, errno: 0) }
        return id
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
