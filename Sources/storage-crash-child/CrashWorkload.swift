import Raft
import Storage

/// The batches the crash-consistency child applies, a pure function of the batch number, so the
/// test can compute the state any prefix of them must produce.
public enum CrashWorkload {
    /// The requests of batch `number` (the Raft entry at that index carries the number).
    public static func requests(batch number: UInt64) -> [RequestOp] {
        let n = Int(number)
        var ops: [RequestOp] = (0..<3).map { j in
            .put(PutRequest(key: Array("k/\((n * 7 + j) % 40)".utf8), value: Array("\(n).\(j)".utf8), lease: Int64(n % 3)))
        }
        if n % 4 == 0 {
            ops.append(.deleteRange(DeleteRangeRequest(key: Array("k/\(n % 40)".utf8))))
        }
        if n % 10 == 0 {
            ops.append(.txn(TxnRequest(
                compare: [Compare(key: Array("k/1".utf8), target: .version(2), result: .greater)],
                success: [.put(PutRequest(key: Array("txn".utf8), value: Array("\(n)".utf8)))],
                failure: [.deleteRange(DeleteRangeRequest(key: Array("txn".utf8)))])))
        }
        return ops
    }

    public static func entry(batch number: UInt64) -> Entry {
        Entry(term: 1, index: number, data: withUnsafeBytes(of: number.littleEndian) { Array($0) })
    }

    public static func batchNumber(of entry: Entry) -> UInt64 {
        precondition(entry.data.count == 8, "not a crash-workload entry")
        return entry.data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// Applies the entry's requests to `store` with the entry's index as the applied index.
    public static func apply(_ entry: Entry, to store: MVCCStore) throws {
        let requests = requests(batch: batchNumber(of: entry))
        try store.apply(index: entry.index, term: entry.term) { batch in
            for op in requests {
                switch op {
                case let .put(p): _ = try batch.put(p)
                case let .deleteRange(d): _ = try batch.deleteRange(d)
                case let .txn(t): _ = try batch.txn(t)
                case let .range(r): _ = try batch.range(r)
                }
            }
        }
    }

    /// What a host does at start: applies the entries the log holds beyond the applied index.
    public static func recover(log: LogStorage, store: MVCCStore) throws {
        let applied = try store.status().applied.index
        let last = try log.lastIndex()
        guard applied < last else { return }
        for entry in try log.entries(from: applied + 1, to: last + 1, maxBytes: .max) {
            try apply(entry, to: store)
        }
    }
}
