import Storage

/// etcd's key-space semantics written as plainly as possible: every version of every key in a
/// dictionary, every read computed from scratch. The engine must answer exactly as this does.
///
/// It shares only request validation with the engine (`validate()`, tested on its own); the
/// revisions, versions, Txn branches, sub-revisions, filters, sorting and compaction are
/// computed here independently.
final class ReferenceModel {
    /// etcd's key space starts at revision 1: the first write makes revision 2.
    private(set) var revision: Int64 = 1
    /// 0 until the first compaction (etcd's is -1).
    private(set) var compactRevision: Int64 = 0
    /// Every change of each key in revision order: the key's value after it, `nil` for a delete.
    private var changes: [[UInt8]: [(revision: Int64, kv: KeyValue?)]] = [:]
    /// Every event in order, as Watch would send them.
    private(set) var events: [Event] = []

    func state(at revision: Int64) -> [KeyValue] {
        changes.compactMap { _, list in list.last(where: { $0.revision <= revision })?.kv }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    func keys(attachedTo lease: Int64) -> [[UInt8]] {
        state(at: revision).filter { $0.lease == lease }.map(\.key)
    }

    // MARK: Requests

    func range(_ r: RangeRequest) -> Result<RangeResponse, MVCCError> {
        Result { try r.validate(); return try range(r, current: revision) }.mapError { $0 as! MVCCError }
    }

    private func range(_ r: RangeRequest, current: Int64) throws -> RangeResponse {
        if r.revision > current { throw MVCCError.futureRevision }
        let at = r.revision <= 0 ? current : r.revision
        if at < compactRevision { throw MVCCError.compacted }
        let keyRange = KeyRange(key: r.key, rangeEnd: r.rangeEnd)
        let all = state(at: at).filter { keyRange.contains($0.key) }
        var kvs = r.countOnly ? [] : all
        // etcd takes only the first `limit + 1` keys, in key order, when sort_order is NONE and
        // no revision filter is set, and sorts those (even by another target).
        let filtered = r.minModRevision != 0 || r.maxModRevision != 0 || r.minCreateRevision != 0 || r.maxCreateRevision != 0
        if r.sortOrder == .none && !filtered && r.limit > 0 { kvs = Array(kvs.prefix(Int(r.limit) + 1)) }
        kvs = kvs.filter {
            (r.maxModRevision == 0 || $0.modRevision <= r.maxModRevision)
                && (r.minModRevision == 0 || $0.modRevision >= r.minModRevision)
                && (r.maxCreateRevision == 0 || $0.createRevision <= r.maxCreateRevision)
                && (r.minCreateRevision == 0 || $0.createRevision >= r.minCreateRevision)
        }
        let order = r.sortTarget != .key && r.sortOrder == .none ? .ascend : r.sortOrder
        if order != .none {
            let less: (KeyValue, KeyValue) -> Bool
            switch r.sortTarget {
            case .key: less = { $0.key.lexicographicallyPrecedes($1.key) }
            case .version: less = { $0.version < $1.version }
            case .create: less = { $0.createRevision < $1.createRevision }
            case .mod: less = { $0.modRevision < $1.modRevision }
            case .value: less = { $0.value.lexicographicallyPrecedes($1.value) }
            }
            kvs.sort(by: order == .ascend ? less : { less($1, $0) })
        }
        let more = r.limit > 0 && kvs.count > r.limit
        if more { kvs = Array(kvs.prefix(Int(r.limit))) }
        if r.keysOnly { kvs = kvs.map { var kv = $0; kv.value = []; return kv } }
        return RangeResponse(revision: current, kvs: kvs, more: more, count: Int64(all.count))
    }

    func put(_ r: PutRequest) -> Result<PutResponse, MVCCError> {
        Result {
            try r.validate()
            try checkPut(r)
            var sub: Int64 = 0
            let response = put(r, sub: &sub)
            revision += 1
            return response
        }.mapError { $0 as! MVCCError }
    }

    private func checkPut(_ r: PutRequest) throws {
        if (r.ignoreValue || r.ignoreLease) && current(r.key) == nil { throw MVCCError.keyNotFound }
    }

    private func current(_ key: [UInt8]) -> KeyValue? { changes[key]?.last?.kv }

    /// Puts at `revision + 1`, sub-revision `sub`.
    private func put(_ r: PutRequest, sub: inout Int64) -> PutResponse {
        let previous = current(r.key)
        let main = revision + 1
        let kv = KeyValue(
            key: r.key, createRevision: previous?.createRevision ?? main, modRevision: main,
            version: (previous?.version ?? 0) + 1, value: r.ignoreValue ? previous!.value : r.value,
            lease: r.ignoreLease ? previous!.lease : r.lease)
        changes[r.key, default: []].append((main, kv))
        events.append(Event(kind: .put, kv: kv, revision: Revision(main: main, sub: sub)))
        sub += 1
        return PutResponse(revision: main, prevKV: r.prevKV ? previous : nil)
    }

    func deleteRange(_ r: DeleteRangeRequest) -> Result<DeleteRangeResponse, MVCCError> {
        Result {
            try r.validate()
            var sub: Int64 = 0
            let response = deleteRange(r, sub: &sub)
            if sub > 0 { revision += 1 }
            return response
        }.mapError { $0 as! MVCCError }
    }

    private func deleteRange(_ r: DeleteRangeRequest, sub: inout Int64) -> DeleteRangeResponse {
        let keyRange = KeyRange(key: r.key, rangeEnd: r.rangeEnd)
        let doomed = state(at: .max).filter { keyRange.contains($0.key) }
        let main = revision + 1
        for kv in doomed {
            changes[kv.key, default: []].append((main, nil))
            events.append(Event(kind: .delete, kv: KeyValue(key: kv.key, createRevision: 0, modRevision: main, version: 0, value: []), revision: Revision(main: main, sub: sub)))
            sub += 1
        }
        return DeleteRangeResponse(revision: sub > 0 ? main : revision, deleted: Int64(doomed.count), prevKVs: r.prevKV ? doomed : [])
    }

    func txn(_ t: TxnRequest) -> Result<TxnResponse, MVCCError> {
        Result {
            try t.validate()
            // Every branch is chosen on the state before the Txn.
            let path = choose(t)
            var position = 0
            try check(t, path, &position) { op in if case let .put(p) = op { try self.checkPut(p) } }
            // A put keeping the value or lease of a key an earlier from-key delete of the same
            // Txn removed is refused: found by running the Txn without its reads, then undoing it.
            let saved = (changes, events)
            var trialSub: Int64 = 0
            position = 0
            let trial = Result { try run(t, path, &position, &trialSub, reads: false) }
            (changes, events) = saved
            if case .failure(MVCCError.keyNotFound) = trial { throw MVCCError.keyNotFound }
            position = 0
            try check(t, path, &position) { op in
                // etcd's compaction revision is -1 until the first compaction.
                if case let .range(r) = op, r.revision != 0 {
                    if r.revision > self.revision { throw MVCCError.futureRevision }
                    if r.revision < (self.compactRevision == 0 ? -1 : self.compactRevision) { throw MVCCError.compacted }
                }
            }
            var sub: Int64 = 0
            position = 0
            var response = try run(t, path, &position, &sub)
            if sub > 0 { revision += 1 }
            response.revision = revision
            return response
        }.mapError { $0 as! MVCCError }
    }

    private func choose(_ t: TxnRequest) -> [Bool] {
        let now = state(at: .max)
        let succeeded = t.compare.allSatisfy { c in
            let keyRange = KeyRange(key: c.key, rangeEnd: c.rangeEnd)
            let kvs = now.filter { keyRange.contains($0.key) }
            if kvs.isEmpty {
                if case .value = c.target { return false }
                return holds(c, KeyValue(key: [], createRevision: 0, modRevision: 0, version: 0, value: []))
            }
            return kvs.allSatisfy { holds(c, $0) }
        }
        var path = [succeeded]
        for case let .txn(nested) in succeeded ? t.success : t.failure { path += choose(nested) }
        return path
    }

    private func holds(_ c: Compare, _ kv: KeyValue) -> Bool {
        let sign: Int
        switch c.target {
        case let .value(v): sign = kv.value == v ? 0 : (kv.value.lexicographicallyPrecedes(v) ? -1 : 1)
        case let .version(v): sign = kv.version == v ? 0 : (kv.version < v ? -1 : 1)
        case let .createRevision(v): sign = kv.createRevision == v ? 0 : (kv.createRevision < v ? -1 : 1)
        case let .modRevision(v): sign = kv.modRevision == v ? 0 : (kv.modRevision < v ? -1 : 1)
        case let .lease(v): sign = kv.lease == v ? 0 : (kv.lease < v ? -1 : 1)
        }
        switch c.result {
        case .equal: return sign == 0
        case .notEqual: return sign != 0
        case .greater: return sign > 0
        case .less: return sign < 0
        }
    }

    private func check(_ t: TxnRequest, _ path: [Bool], _ position: inout Int, _ body: (RequestOp) throws -> Void) throws {
        let ops = path[position] ? t.success : t.failure
        position += 1
        for op in ops {
            if case let .txn(nested) = op { try check(nested, path, &position, body) } else { try body(op) }
        }
    }

    private func run(_ t: TxnRequest, _ path: [Bool], _ position: inout Int, _ sub: inout Int64, reads: Bool = true) throws -> TxnResponse {
        let succeeded = path[position]
        position += 1
        var responses: [ResponseOp] = []
        for op in succeeded ? t.success : t.failure {
            switch op {
            case let .range(r):
                if reads { responses.append(.range(try range(r, current: sub > 0 ? revision + 1 : revision))) }
            case let .put(p):
                if (p.ignoreValue || p.ignoreLease) && current(p.key) == nil { throw MVCCError.keyNotFound }
                responses.append(.put(put(p, sub: &sub)))
            case let .deleteRange(d): responses.append(.deleteRange(deleteRange(d, sub: &sub)))
            case let .txn(nested): responses.append(.txn(try run(nested, path, &position, &sub, reads: reads)))
            }
        }
        return TxnResponse(revision: 0, succeeded: succeeded, responses: responses)
    }

    func compact(_ target: Int64) -> Result<Int64, MVCCError> {
        if target <= compactRevision { return .failure(.compacted) }
        if target > revision { return .failure(.futureRevision) }
        compactRevision = target
        return .success(revision)
    }
}
