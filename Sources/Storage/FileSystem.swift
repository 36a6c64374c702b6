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

    /// Writes `head` then `body` at `offset` with as few system calls as the kernel allows
    /// (`pwritev`), so a log record needs no copy into one buffer.
    static func writeAll(_ fd: Int32, _ head: [UInt8], _ body: [UInt8], at offset: Int, path: String) throws {
        let total = head.count + body.count
        var done = 0
        try head.withUnsafeBytes { h in
            try body.withUnsafeBytes { b in
                while done < total {
                    var vectors: [iovec] = []
                    if done < h.count {
                        vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress! + done), iov_len: h.count - done))
                    }
                    let bodyDone = max(0, done - h.count)
                    if bodyDone < b.count {
                        vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress! + bodyDone), iov_len: b.count - bodyDone))
                    }
                    let written = pwritev(fd, vectors, Int32(vectors.count), off_t(offset + done))
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StorageError.io(operation: "pwritev", path: path, errno: errno)
                    }
                    done += written
                }
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

    /// Makes the file's data durable (and its size, should it have changed): `fdatasync`.
    static func syncData(_ fd: Int32, path: String) throws {
        if fdatasync(fd) != 0 { throw StorageError.io(operation: "fdatasync", path: path, errno: errno) }
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

    static func size(of path: String) throws -> Int {
        var info = stat()
        if stat(path, &info) != 0 { throw StorageError.io(operation: "stat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw StorageError.io(operation: "mkdir", path: path, errno: errno) }
    }

    /// The names in directory `path`, without `.` and `..`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw StorageError.io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        let size = try size(fd, path: path)
        var bytes = [UInt8](repeating: 0, count: size)
        let count = try bytes.withUnsafeMutableBytes { try readFully(fd, into: $0, path: path) }
        bytes.removeLast(size - count)
        return bytes
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
