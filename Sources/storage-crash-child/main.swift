// storage-crash-child DATA_DIR
//
// The crash-consistency test's child: recovers the data directory as a host would, then
// appends and applies batches forever, one Raft entry each (log first, durably; then the
// state), printing "ack N" once batch N is durable and applied. The test kills it with SIGKILL
// at random moments and checks that every acknowledged batch survived.
import Glibc
import Storage

/// Writes `text` to standard error, unbuffered.
func report(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

guard CommandLine.arguments.count == 2 else {
    report("usage: storage-crash-child DATA_DIR\n")
    exit(2)
}
let data = DataDirectory(CommandLine.arguments[1])
do {
    let log = try LogStorage(path: data.raftPath, mapSize: 256 << 20)
    let store = try MVCCStore(path: data.statePath, mapSize: 256 << 20, quotaBytes: 128 << 20)
    try CrashWorkload.recover(log: log, store: store)
    var next = try log.lastIndex() + 1
    while true {
        let entry = CrashWorkload.entry(batch: next)
        try log.save(entries: [entry], hardState: .init(term: 1, vote: 1, commit: next))
        try CrashWorkload.apply(entry, to: store)
        let line = Array("ack \(next)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        next += 1
    }
} catch {
    report("storage-crash-child: \(error)\n")
    exit(1)
}
