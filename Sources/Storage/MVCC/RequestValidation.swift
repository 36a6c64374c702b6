// Checks a request needs no key-space state for, as etcd's `v3rpc/key.go` does before a request
// is proposed (`checkRangeRequest`, `checkPutRequest`, `checkDeleteRequest`,
// `checkTxnRequest`, `checkIntervals`). They run again at apply: a request that reached the log
// through another member is input like any other.

/// Keys longer than LMDB can index are refused, in every request that names a key (a range
/// starts by seeking to its key).
private func checkKey(_ key: [UInt8]) throws {
    if key.isEmpty { throw MVCCError.emptyKey }
    if key.count > Limits.keyBytesMax { throw MVCCError.keyTooLong }
}

extension RangeRequest {
    public func validate() throws {
        try checkKey(key)
    }
}

extension PutRequest {
    public func validate() throws {
        try checkKey(key)
        if ignoreValue && !value.isEmpty { throw MVCCError.valueProvided }
        if ignoreLease && lease != 0 { throw MVCCError.leaseProvided }
    }
}

extension DeleteRangeRequest {
    public func validate() throws {
        try checkKey(key)
    }
}

extension TxnRequest {
    /// etcd's `checkTxnRequest` (operation budget, empty keys) and then `checkIntervals` on
    /// both branches (no key put twice, none put inside a range the same branch deletes).
    public func validate(operationsMax: Int = Limits.txnOperationsMax) throws {
        try checkOperations(budget: operationsMax)
        _ = try Self.checkIntervals(success)
        _ = try Self.checkIntervals(failure)
    }

    private func checkOperations(budget: Int) throws {
        let count = Swift.max(compare.count, success.count, failure.count)
        if count > budget { throw MVCCError.tooManyOperations }
        for c in compare { try checkKey(c.key) }
        for op in success + failure {
            switch op {
            case let .range(r): try r.validate()
            case let .put(p): try p.validate()
            case let .deleteRange(d): try d.validate()
            case let .txn(t): try t.checkOperations(budget: budget - count)
            }
        }
    }

    /// A deleted interval `[start, end)`, compared byte-wise as etcd's interval tree compares
    /// strings. A single-key delete is `[key, key + "\0")`. A from-key delete keeps etcd's
    /// literal `range_end` of `"\0"`, an interval that holds no key: etcd does not see a put
    /// inside a from-key delete as a conflict either.
    private struct Interval {
        var start: [UInt8]
        var end: [UInt8]

        func contains(_ key: [UInt8]) -> Bool {
            !key.lexicographicallyPrecedes(start) && key.lexicographicallyPrecedes(end)
        }
    }

    private static func checkIntervals(_ ops: [RequestOp]) throws -> (puts: Set<[UInt8]>, deletes: [Interval]) {
        var deletes: [Interval] = []
        for case let .deleteRange(d) in ops {
            deletes.append(Interval(start: d.key, end: d.rangeEnd.isEmpty ? d.key + [0] : d.rangeEnd))
        }
        var puts = Set<[UInt8]>()
        for case let .txn(t) in ops {
            let then = try checkIntervals(t.success)
            let otherwise = try checkIntervals(t.failure)
            for key in then.puts {
                if puts.contains(key) || deletes.contains(where: { $0.contains(key) }) { throw MVCCError.duplicateKey }
                puts.insert(key)
            }
            for key in otherwise.puts {
                // The same key in both branches of one nested Txn is fine: only one runs.
                if puts.contains(key) && !then.puts.contains(key) { throw MVCCError.duplicateKey }
                if deletes.contains(where: { $0.contains(key) }) { throw MVCCError.duplicateKey }
                puts.insert(key)
            }
            deletes += then.deletes + otherwise.deletes
        }
        for case let .put(p) in ops {
            if puts.contains(p.key) || deletes.contains(where: { $0.contains(p.key) }) { throw MVCCError.duplicateKey }
            puts.insert(p.key)
        }
        return (puts, deletes)
    }
}
