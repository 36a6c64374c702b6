/// Physical compaction: removes from `history` and `revisions` what reads at or above the
/// compaction revision can no longer see, in steps of at most `Limits.compactionBatchMax`
/// history entries per write transaction, so the writer is never held for long.
///
/// The compaction revision itself is set at once by the request (`MVCCWriteBatch.compact`);
/// reads below it fail from then on, so removing the history behind it can lag without anyone
/// seeing the difference, and resumes after a restart from `compactedThrough`.
///
/// Rule (etcd's `keyIndex.compact`): of a key's revisions at or below the compaction revision
/// `c`, only the newest is kept, and not even that one when it is a tombstone.
extension KeySpace {
    /// One step. Returns whether history up to the compaction revision is still left to process.
    func compactStep(_ txn: borrowing Transaction, batchMax: Int = Limits.compactionBatchMax) throws -> Bool {
        precondition(batchMax > 0)
        let target = try int64(txn, StateRecords.compactRevisionKey)
        let through = try int64(txn, StateRecords.compactedThroughKey)
        assert(through <= target, "compacted through \(through) beyond compaction revision \(target)")
        if through >= target { return false }

        // Collect first, then delete: no cursor walks the database it is deleting from.
        var batch: [(revision: Revision, key: [UInt8], tombstone: Bool)] = []
        var finished = true
        try txn.withCursor(history) { cursor in
            var item = try cursor.seek(atLeast: Revision(main: through + 1).bytes)
            while let (key, value) = item {
                let revision = try Revision(decoding: key)
                if revision.main > target { break }
                if batch.count == batchMax {
                    finished = false
                    break
                }
                let event = try StateRecords.decodeChange(at: revision, value)
                batch.append((revision, event.kv.key, event.kind == .delete))
                item = try cursor.next()
            }
        }
        for change in batch {
            try compact(txn, change.key, change.revision, tombstone: change.tombstone, target: target)
        }
        // A step ends on a whole revision, so `compactedThrough` is a revision fully processed.
        var processedThrough = target
        if !finished, let last = batch.last {
            processedThrough = last.revision.main - 1
            // A revision with more sub-revisions than the batch takes is finished in one go.
            if processedThrough <= through {
                processedThrough = last.revision.main
                try finishRevision(txn, after: last.revision, target: target)
            }
        }
        try setInt64(txn, StateRecords.compactedThroughKey, processedThrough)
        return processedThrough < target
    }

    /// Processes the rest of `revision.main` after `revision` (a Txn larger than a batch).
    private func finishRevision(_ txn: borrowing Transaction, after revision: Revision, target: Int64) throws {
        var rest: [(revision: Revision, key: [UInt8], tombstone: Bool)] = []
        try txn.withCursor(history) { cursor in
            var item = try cursor.seek(atLeast: Revision(main: revision.main, sub: revision.sub + 1).bytes)
            while let (key, value) = item {
                let next = try Revision(decoding: key)
                if next.main != revision.main { break }
                let event = try StateRecords.decodeChange(at: next, value)
                rest.append((next, event.kv.key, event.kind == .delete))
                item = try cursor.next()
            }
        }
        for change in rest {
            try compact(txn, change.key, change.revision, tombstone: change.tombstone, target: target)
        }
    }

    /// Applies the rule to one change of `key` at `revision <= target`.
    private func compact(_ txn: borrowing Transaction, _ key: [UInt8], _ revision: Revision, tombstone: Bool, target: Int64) throws {
        // The first revision of the key after this one (every entry of this revision sorts
        // below the probe, whatever its flag).
        let probe = revision.bytes + [UInt8.max]
        let newer: Revision? = try txn.withCursor(revisions) { cursor in
            try cursor.seek(key: key, valueAtLeast: probe).map { try StateRecords.decodeRevisionEntry($0.value).revision }
        }
        if let newer, newer.main <= target {
            // Superseded within the compacted range.
            try remove(txn, key, revision, tombstone: tombstone)
            return
        }
        // The newest at or below the target: older ones left by earlier compactions go now.
        var older: [(Revision, Bool)] = []
        try txn.withCursor(revisions) { cursor in
            var item = try cursor.seek(exactly: key)
            while let (_, value) = item {
                let entry = try StateRecords.decodeRevisionEntry(value)
                if entry.revision >= revision { break }
                older.append((entry.revision, entry.tombstone))
                item = try cursor.nextValue()
            }
        }
        for (old, oldTombstone) in older {
            try remove(txn, key, old, tombstone: oldTombstone)
        }
        if tombstone { try remove(txn, key, revision, tombstone: true) }
    }

    private func remove(_ txn: borrowing Transaction, _ key: [UInt8], _ revision: Revision, tombstone: Bool) throws {
        guard try txn.delete(history, revision.bytes) else { throw StorageError.corrupted("history at \(revision) missing") }
        guard try txn.delete(revisions, key, value: StateRecords.encodeRevisionEntry(revision, tombstone: tombstone)) else {
            throw StorageError.corrupted("revision entry \(revision) missing")
        }
    }
}
