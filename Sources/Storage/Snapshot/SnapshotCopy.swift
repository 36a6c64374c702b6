import Dispatch
import Foundation
import Glibc
import Raft

/// A snapshot file being written, in two steps: `begin` fixes which state it holds, `finish`
/// compresses and writes it.
///
/// The split lets a host that is the only writer of the state (the run loop) begin between two
/// of its own applies, so the header describes exactly the state at its applied index with the
/// configuration it knows for that index, and then hand the long part to another thread while
/// it goes on applying. LMDB's copy reads from its own read transaction, so later writes do not
/// reach the file.
///
/// `finish` must be called once, on any one thread; an unfinished copy is abandoned (its part
/// file removed) when released.
public final class SnapshotCopy: @unchecked Sendable {
    /// Where the file appears, whole, once `finish` returns.
    public let path: String
    /// The state copied. Its sizes are filled in by `finish`.
    public let header: SnapshotHeader
    private let partPath: String
    private let fd: Int32
    private let pipeRead: Int32
    private let copy: CopyThread
    private var finished = false

    /// Starts a snapshot of `store` to `path` (written through `path.part`, renamed when whole
    /// and synced). `confState` is the configuration at the store's applied index, which the
    /// caller knows.
    ///
    /// The copy is started while writes are paused on the writer thread, and writes resume as
    /// soon as its first bytes arrive (its read transaction is open by then). The header is read
    /// in that same pause.
    public static func begin(from store: MVCCStore, confState: ConfState, to path: String) throws -> SnapshotCopy {
        let partPath = path + ".part"
        let fd = try FileSystem.open(partPath, O_WRONLY | O_CREAT | O_TRUNC)
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let error = errno
            close(fd)
            unlink(partPath)
            throw StorageError.io(operation: "pipe", path: path, errno: error)
        }
        for end in pipeFDs { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (pipeRead, pipeWrite) = (pipeFDs[0], pipeFDs[1])
        let copy = CopyThread(environment: store.environment, fd: pipeWrite)
        let header: SnapshotHeader
        do {
            header = try store.environment.withWritesPaused {
                let status = try store.status()
                let header = SnapshotHeader(
                    raftIndex: status.applied.index, raftTerm: status.applied.term, confState: confState,
                    revision: status.revision, compactRevision: status.compactRevision, keyCount: UInt64(try store.keyCount()),
                    createdAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), dataBytes: 0, frameBytes: 0)
                copy.start()
                var poller = pollfd(fd: pipeRead, events: Int16(POLLIN), revents: 0)
                while poll(&poller, 1, -1) < 0 && errno == EINTR {}
                return header
            }
        } catch {
            if copy.isStarted { Self.drain(pipeRead, copy) } else { close(pipeWrite) }
            close(pipeRead)
            close(fd)
            unlink(partPath)
            throw error
        }
        return SnapshotCopy(path: path, partPath: partPath, header: header, fd: fd, pipeRead: pipeRead, copy: copy)
    }

    private init(path: String, partPath: String, header: SnapshotHeader, fd: Int32, pipeRead: Int32, copy: CopyThread) {
        self.path = path
        self.partPath = partPath
        self.header = header
        self.fd = fd
        self.pipeRead = pipeRead
        self.copy = copy
    }

    deinit {
        if !finished { abandon() }
    }

    /// Compresses the copy into the file, syncs it and renames it into place. Returns the
    /// complete header. On failure nothing is left at `path`.
    @discardableResult
    public func finish() throws -> SnapshotHeader {
        precondition(!finished, "snapshot \(path) finished twice")
        finished = true
        var succeeded = false
        defer {
            close(fd)
            close(pipeRead)
            if !succeeded { unlink(partPath) }
        }
        var header = self.header
        let (fd, partPath) = (self.fd, self.partPath)
        var frameBytes = 0
        let sink: (UnsafeRawBufferPointer) throws -> Void = { bytes in
            frameBytes += bytes.count
            try FileSystem.writeAll(fd, bytes, path: partPath)
        }
        var dataBytes = 0
        var chunk = [UInt8](repeating: 0, count: Limits.snapshotChunkBytes)
        do {
            // Reserve the header; it is written last, once the sizes are known.
            try FileSystem.writeAll(fd, [UInt8](repeating: 0, count: header.encodedBytes), at: 0, path: partPath)
            guard lseek(fd, off_t(header.encodedBytes), SEEK_SET) >= 0 else { throw StorageError.io(operation: "lseek", path: partPath, errno: errno) }
            var encoder = try LZ4FrameEncoder()
            try encoder.begin(sink)
            while true {
                let count = try chunk.withUnsafeMutableBytes { try FileSystem.readFully(pipeRead, into: $0, path: "snapshot pipe") }
                if count == 0 { break }
                dataBytes += count
                try chunk.withUnsafeBytes { try encoder.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count)), sink) }
            }
            try encoder.end(sink)
        } catch {
            // Whatever failed, the copy must run to its end before the pipe closes.
            Self.drain(pipeRead, copy)
            throw error
        }
        try copy.wait()

        header.dataBytes = UInt64(dataBytes)
        header.frameBytes = UInt64(frameBytes)
        try FileSystem.writeAll(fd, header.encoded(), at: 0, path: partPath)
        try FileSystem.sync(fd, path: partPath)
        try FileSystem.rename(partPath, path)
        try FileSystem.syncDirectory(FileSystem.parent(of: path))
        succeeded = true
        return header
    }

    private func abandon() {
        Self.drain(pipeRead, copy)
        close(pipeRead)
        close(fd)
        unlink(partPath)
    }

    /// Reads the pipe to its end so the copy finishes (closing it early would kill the process
    /// with SIGPIPE), and waits for the copy thread.
    private static func drain(_ pipeRead: Int32, _ copy: CopyThread) {
        var chunk = [UInt8](repeating: 0, count: Limits.snapshotChunkBytes)
        while (try? chunk.withUnsafeMutableBytes { try FileSystem.read(pipeRead, into: $0, path: "snapshot pipe") }) ?? 0 > 0 {}
        _ = try? copy.wait()
    }

    /// Runs `mdb_env_copyfd2` on its own thread (it blocks until the whole copy is written into
    /// the pipe, which the finishing thread drains) and closes the pipe's write end when done.
    private final class CopyThread: @unchecked Sendable {
        private let environment: Environment
        private let fd: Int32
        private let done = DispatchSemaphore(value: 0)
        private var error: (any Error)?  // written before `done` is signalled
        private(set) var isStarted = false
        private var waited = false

        init(environment: Environment, fd: Int32) {
            self.environment = environment
            self.fd = fd
        }

        func start() {
            isStarted = true
            let thread = Thread { [self] in
                do { try environment.copyCompacted(to: fd) } catch { self.error = error }
                close(fd)
                done.signal()
            }
            thread.name = "snapshot copy"
            thread.start()
        }

        /// Waits for the copy to end (once; later calls return its outcome again).
        func wait() throws {
            if !waited {
                done.wait()
                waited = true
            }
            if let error { throw error }
        }
    }
}
