import Glibc

/// The few POSIX file operations the engine needs for crash-safe files, with errors that name
/// the operation and the path.
enum FileSystem {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        if fd < 0 { throw StorageError.io(operation: "open", path: path, errno: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StorageError.io(operation: "pwrite", path: path, errno: errno)
                }
                done += written
            }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw StorageError.io(operation: "read", path: path, errno: errno) }
        }
    }

    /// Reads exactly `buffer.count` bytes, or fewer only at the end of the file.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var total = 0
        while total < buffer.count {
            let count = try read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]), path: path)
            if count == 0 { break }
            total += count
        }
        return total
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw StorageError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes a directory's entries (a rename, a new file) durable.
    static func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw StorageError.io(operation: "rename to \(to)", path: from, errno: errno) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func size(_ fd: Int32, path: String) throws -> Int {
        var info = stat()
        if fstat(fd, &info) != 0 { throw StorageError.io(operation: "fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
