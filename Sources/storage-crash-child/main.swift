// storage-crash-child DATA_DIR
// storage-crash-child restore SNAPSHOT DATA_DIR
//
// The crash-consistency tests' child, killed with SIGKILL at random moments.
//
// With a data directory alone: recovers it as a host would, then appends and applies batches
// forever, one Raft entry each (log first, durably; then the state), printing "ack N" once
// batch N is durable and applied.
//
// With `restore`: restores the snapshot into a new data directory and prints "restored".
import Glibc
import Storage

/// Writes `text` to a file descriptor, unbuffered, so nothing printed is lost to the kill.
func emit(_ text: String, to fd: Int32) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
do {
    switch arguments.count {
    case 2:
        let data = DataDirectory(arguments[1])
        let log = try LogStorage(path: data.raftPath, mapSize: 256 << 20)
        let store = try MVCCStore(path: data.statePath, mapSize: 256 << 20, quotaBytes: 128 << 20)
        try CrashWorkload.recover(log: log, store: store)
        var next = try log.lastIndex() + 1
        while true {
            let entry = CrashWorkload.entry(batch: next)
            try log.save(entries: [entry], hardState: .init(term: 1, vote: 1, commit: next))
            try CrashWorkload.apply(entry, to: store)
            emit("ack \(next)\n", to: 1)
            next += 1
        }
    case 4 where arguments[1] == "restore":
        try SnapshotFile.restore(arguments[2], into: arguments[3])
        emit("restored\n", to: 1)
    default:
        emit("usage: storage-crash-child DATA_DIR | storage-crash-child restore SNAPSHOT DATA_DIR\n", to: 2)
        exit(2)
    }
} catch {
    emit("storage-crash-child: \(error)\n", to: 2)
    exit(1)
}
