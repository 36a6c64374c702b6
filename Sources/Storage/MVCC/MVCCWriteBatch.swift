/// The requests of one batch of applied Raft entries, executed in one write transaction of the
/// state environment (`MVCCStore.apply`). Each write request is one revision; a Txn's changes
/// are sub-revisions of it.
///
/// A request that fails with an `MVCCError` has changed nothing (asserted); the batch goes on.
/// Any other error aborts the whole batch.
public struct MVCCWriteBatch: ~Copyable {
    let txn: Transaction
    let space: KeySpace
    /// The current revision, written to `meta` when the batch commits.
    public private(set) var revision: Int64
    public private(set) var compactRevision: Int64

    init(txn: consuming Transaction, space: KeySpace, revision: Int64, compactRevision: Int64) {
        self.txn = txn
        self.space = space
        self.revision = revision
        self.compactRevision = compactRevision
    }

    /// Changes made by one request so far, all at revision `begin + 1`.
    struct Changes {
        let begin: Int64
        var count: Int64 = 0
        /// The revision a read inside the request sees: its own changes included.
        var readRevision: Int64 { count > 0 ? begin + 1 : begin }

        mutating func next() -> Revision {
            defer { count += 1 }
            return Revision(main: begin + 1, sub: count)
        }
    }

    private mutating func finish(_ changes: Changes) {
        if changes.count > 0 { revision += 1 }
        assert(revision == changes.readRevision)
    }

    // MARK: Requests

    /// A range read inside the batch (etcd applies a Range it finds in the log like a write).
    public func range(_ r: RangeRequest) throws -> RangeResponse {
        try r.validate()
        return try space.range(txn, r, currentRevision: revision, compactRevision: compactRevision)
    }

    public mutating func put(_ r: PutRequest) throws -> PutResponse {
        try r.validate()
        try checkPut(r)
        var changes = Changes(begin: revision)
        let response = try put(r, &changes)
        finish(changes)
        return response
    }

    public mutating func deleteRange(_ r: DeleteRangeRequest) throws -> DeleteRangeResponse {
        try r.validate()
        var changes = Changes(begin: revision)
        let response = try deleteRange(r, &changes)
        finish(changes)
        return response
    }

    public mutating func txn(_ t: TxnRequest) throws -> TxnResponse {
        try t.validate()
        // etcd decides every branch, nested ones included, on the state before the Txn runs
        // (`compareToPath`), then checks the chosen requests, puts first (`checkRequests`).
        let path = try decide(t)
        var position = 0
        var deletedBefore: [KeyRange] = []
        try walk(t, path, &position) { op in
            switch op {
            case let .deleteRange(d):
                deletedBefore.append(KeyRange(key: d.key, rangeEnd: d.rangeEnd))
            case let .put(p):
                try checkPut(p)
                // A from-key delete earlier in the Txn may remove the key a later put keeps the
                // value or lease of (etcd's duplicate check does not see from-key deletes).
                // etcd panics applying such a Txn; it is refused here with the error etcd's own
                // check would give.
                if p.ignoreValue || p.ignoreLease, deletedBefore.contains(where: { $0.contains(p.key) }) {
                    throw MVCCError.keyNotFound
                }
            default:
                break
            }
        }
        position = 0
        // etcd's `checkRange` compares with its compaction revision, which is -1 until the first
        // compaction: a negative revision reads the current one until then, and fails after.
        let firstRevision = compactRevision == 0 ? -1 : compactRevision
        try walk(t, path, &position) { op in
            if case let .range(r) = op, r.revision != 0 {
                if r.revision > revision { throw MVCCError.futureRevision }
                if r.revision < firstRevision { throw MVCCError.compacted }
            }
        }
        var changes = Changes(begin: revision)
        position = 0
        var response: TxnResponse
        do {
            response = try execute(t, path, &position, &changes)
        } catch let error as MVCCError {
            // Every request error was checked for above; one now would commit half a Txn.
            preconditionFailure("Txn failed with \(error) after \(changes.count) changes")
        }
        assert(position == path.count)
        finish(changes)
        response.revision = revision
        return response
    }

    /// Makes revisions up to `compactRevision` unreadable at once; the history they hold is
    /// removed afterwards in bounded steps (`MVCCStore.compactStep`). Returns the current revision.
    public mutating func compact(_ revision: Int64) throws -> Int64 {
        if revision <= compactRevision { throw MVCCError.compacted }
        if revision > self.revision { throw MVCCError.futureRevision }
        compactRevision = revision
        try space.setInt64(txn, StateRecords.compactRevisionKey, revision)
        return self.revision
    }

    /// One of the server's cluster records, as this batch sees it.
    public func clusterRecord(_ key: [UInt8]) throws -> [UInt8]? {
        try txn.get(space.cluster, key).map { Array($0) }
    }

    /// Sets (or, with `nil`, removes) one of the server's cluster records (members, alarms):
    /// they change in the same transaction as the entry that carries them.
    public func setClusterRecord(_ key: [UInt8], _ value: [UInt8]?) throws {
        precondition(!key.isEmpty, "a cluster record needs a key")
        if let value {
            try txn.put(space.cluster, key, value)
        } else {
            _ = try txn.delete(space.cluster, key)
        }
    }

    /// Writes the batch's revision; called once, by `MVCCStore.apply`, before the commit.
    func writeRevision() throws {
        try space.setInt64(txn, StateRecords.revisionKey, revision)
    }

    // MARK: Execution

    /// etcd's `Put` precondition: keeping the value or lease needs a key to keep it from.
    private func checkPut(_ r: PutRequest) throws {
        if r.ignoreValue || r.ignoreLease, try space.current(txn, r.key, withValue: false) == nil { throw MVCCError.keyNotFound }
    }

    private func put(_ r: PutRequest, _ changes: inout Changes) throws -> PutResponse {
        let previous = try space.current(txn, r.key, withValue: r.prevKV || r.ignoreValue)
        // Checked by `checkPut` before anything changed.
        precondition(previous != nil || !(r.ignoreValue || r.ignoreLease))
        let value = r.ignoreValue ? previous!.value : r.value
        let lease = r.ignoreLease ? previous!.lease : r.lease
        let revision = changes.next()
        try space.put(txn, key: r.key, value: value, lease: lease, at: revision, previous: previous)
        return PutResponse(revision: revision.main, prevKV: r.prevKV ? previous : nil)
    }

    private func deleteRange(_ r: DeleteRangeRequest, _ changes: inout Changes) throws -> DeleteRangeResponse {
        let (existing, _) = try space.scanCurrent(txn, KeyRange(key: r.key, rangeEnd: r.rangeEnd), limit: 0, countOnly: false, withValues: r.prevKV)
        for kv in existing {
            try space.delete(txn, kv, at: changes.next())
        }
        return DeleteRangeResponse(revision: changes.readRevision, deleted: Int64(existing.count), prevKVs: r.prevKV ? existing : [])
    }

    /// The branch each Txn on the path takes, in the order `execute` meets them.
    private func decide(_ t: TxnRequest) throws -> [Bool] {
        var succeeded = true
        for c in t.compare where !(try space.evaluate(txn, c)) {
            succeeded = false
            break
        }
        var path = [succeeded]
        for case let .txn(nested) in succeeded ? t.success : t.failure {
            path += try decide(nested)
        }
        return path
    }

    private func walk(_ t: TxnRequest, _ path: [Bool], _ position: inout Int, _ check: (RequestOp) throws -> Void) throws {
        let ops = path[position] ? t.success : t.failure
        position += 1
        for op in ops {
            if case let .txn(nested) = op {
                try walk(nested, path, &position, check)
            } else {
                try check(op)
            }
        }
    }

    private func execute(_ t: TxnRequest, _ path: [Bool], _ position: inout Int, _ changes: inout Changes) throws -> TxnResponse {
        let succeeded = path[position]
        position += 1
        var responses: [ResponseOp] = []
        for op in succeeded ? t.success : t.failure {
            switch op {
            case let .range(r):
                responses.append(.range(try space.range(txn, r, currentRevision: changes.readRevision, compactRevision: compactRevision)))
            case let .put(p):
                responses.append(.put(try put(p, &changes)))
            case let .deleteRange(d):
                responses.append(.deleteRange(try deleteRange(d, &changes)))
            case let .txn(nested):
                responses.append(.txn(try execute(nested, path, &position, &changes)))
            }
        }
        // A nested Txn's header revision stays 0, as in etcd; the caller sets the outer one.
        return TxnResponse(revision: 0, succeeded: succeeded, responses: responses)
    }
}
