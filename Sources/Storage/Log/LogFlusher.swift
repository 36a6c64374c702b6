import Foundation
import Raft

/// Moves writes that the write-ahead log already made durable into the LMDB log environment,
/// in the background and many per transaction.
///
/// A flush starts when `flushBytes` are queued, when the oldest queued write has waited
/// `flushInterval`, or when the owner asks for one (`flush()`, before an operation that must
/// see LMDB complete). Each transaction records the sequence of the last record it holds, so
/// after a crash the write-ahead log is replayed from the next one. The queue is bounded: a
/// writer that outruns the disk waits in `enqueue`.
final class LogFlusher: @unchecked Sendable {
    struct Limits {
        var flushBytes = 4 << 20
        /// Each flush is a durable LMDB commit (two syncs) and wakes this thread: at 10 ms, one
        /// client's sequential writes paid about one context switch each for it. etcd's backend
        /// commits every 100 ms too. The write-ahead log holds the records meanwhile.
        var flushInterval: Duration = .milliseconds(100)
        var queuedBytesMax = 64 << 20
    }

    private let environment: Environment
    private let entriesDB: Database
    private let metaDB: Database
    private let limits: Limits

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [(sequence: UInt64, write: LogWrite)] = []
    private var queuedBytes = 0
    /// Bytes of the batch being committed now.
    private var inFlightBytes = 0
    private var oldestQueuedAt: ContinuousClock.Instant?
    private var lastQueued: UInt64
    private var committed: UInt64
    private var failure: (any Error)?
    private var flushWanted = false
    private var stopping = false
    private var running = true

    /// The LMDB log's last index: the flusher's thread writes it before it publishes `committed`;
    /// `logReplaced` writes it under the lock when nothing is queued or being committed.
    private var lmdbLast: UInt64

    init(environment: Environment, entriesDB: Database, metaDB: Database, committed: UInt64, lastIndex: UInt64, limits: Limits = Limits()) {
        self.environment = environment
        self.entriesDB = entriesDB
        self.metaDB = metaDB
        self.committed = committed
        self.lastQueued = committed
        self.lmdbLast = lastIndex
        self.limits = limits
        let thread = Thread { [self] in
            ThreadName.set("log-flusher")
            run()
        }
        thread.start()
    }

    /// The sequence of the last write-ahead log record LMDB holds durably.
    var committedSequence: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return committed
    }

    /// Bytes of writes queued and not yet committed.
    var queuedByteCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedBytes + inFlightBytes
    }

    /// Queues the write of record `sequence` (which is durable in the write-ahead log).
    func enqueue(sequence: UInt64, _ write: LogWrite) throws {
        condition.lock()
        defer { condition.unlock() }
        precondition(sequence == lastQueued + 1, "record \(sequence) queued after \(lastQueued)")
        precondition(!stopping, "write after the log was closed")
        while failure == nil && queuedBytes >= limits.queuedBytesMax { condition.wait() }
        if let failure { throw failure }
        let wasEmpty = queue.isEmpty
        queue.append((sequence, write))
        queuedBytes += write.byteCount
        lastQueued = sequence
        if oldestQueuedAt == nil { oldestQueuedAt = .now }
        // The flusher sleeps without a deadline only on an empty queue; otherwise it wakes at
        // the oldest write's deadline by itself. Waking it for every write cost two context
        // switches per write for nothing.
        if wasEmpty || queuedBytes >= limits.flushBytes { condition.broadcast() }
    }

    /// Returns once everything queued so far is in LMDB, durably.
    func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        let target = lastQueued
        flushWanted = true
        condition.broadcast()
        while failure == nil && committed < target { condition.wait() }
        if let failure { throw failure }
    }

    /// The LMDB log was replaced while nothing was queued (a snapshot installed): its last
    /// index is `index` now.
    func logReplaced(lastIndex index: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        precondition(queue.isEmpty && inFlightBytes == 0 && committed == lastQueued, "the log replaced under queued writes")
        lmdbLast = index
    }

    /// Flushes what is queued and ends the thread.
    func stop() throws {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    private func run() {
        environment.letCurrentThreadWriteDirectly()
        while let batch = nextBatch() {
            do {
                var last = lmdbLast
                let (entriesDB, metaDB) = (self.entriesDB, self.metaDB)
                try environment.write { txn in
                    for (_, write) in batch {
                        try Self.store(write, in: txn, entriesDB: entriesDB, metaDB: metaDB, last: &last)
                    }
                    try txn.put(metaDB, LogRecords.walSequenceKey, LogRecords.encode(sequence: batch.last!.sequence))
                }
                lmdbLast = last
                condition.lock()
                committed = batch.last!.sequence
                inFlightBytes = 0
                condition.broadcast()
                condition.unlock()
            } catch {
                // Later writes depend on this one: nothing more may be written.
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
                break
            }
        }
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until a flush is due and takes the queue; `nil` once stopping with nothing queued.
    private func nextBatch() -> [(sequence: UInt64, write: LogWrite)]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failure != nil { return nil }
            if queue.isEmpty {
                if stopping { return nil }
                condition.wait()
                continue
            }
            let due = oldestQueuedAt! + limits.flushInterval
            if stopping || flushWanted || queuedBytes >= limits.flushBytes || ContinuousClock.now >= due { break }
            _ = condition.wait(until: Date(timeIntervalSinceNow: (due - .now).seconds))
        }
        let batch = queue
        queue.removeAll(keepingCapacity: true)
        inFlightBytes = queuedBytes
        queuedBytes = 0
        oldestQueuedAt = nil
        flushWanted = false
        condition.broadcast()
        return batch
    }

    /// Writes one `LogWrite` into an LMDB transaction: drops the entries at or after its first
    /// index, appends its entries, stores its hard state. `last` is the log's last index.
    static func store(_ write: LogWrite, in txn: borrowing Transaction, entriesDB: Database, metaDB: Database, last: inout UInt64) throws {
        if let hardState = write.hardState {
            try txn.put(metaDB, LogRecords.hardStateKey, LogRecords.encode(hardState))
        }
        guard let first = write.entries.first?.index else { return }
        try txn.withCursor(entriesDB) { cursor in
            if first <= last {
                // A conflicting suffix: delete every entry from `first` on.
                var item = try cursor.seek(atLeast: first.bigEndianBytes)
                while item != nil {
                    try cursor.deleteCurrent()
                    item = try cursor.next()
                }
            }
            for entry in write.entries {
                // Encoded straight into the page LMDB reserves for it.
                try withUnsafeBytes(of: entry.index.bigEndian) { key in
                    try cursor.put(key, reservingValueBytes: LogRecords.entryHeaderBytes + entry.data.count, flags: .append) { value in
                        LogRecords.encodeEntryValue(entry, into: value)
                    }
                }
            }
        }
        last = write.entries.last!.index
    }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
