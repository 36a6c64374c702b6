import Storage
import Testing

/// Random request sequences run against the engine and the reference model: every response,
/// every error, the revisions, the history Watch would read and the lease index must agree.
@Suite("MVCC key space against the reference model")
struct MVCCModelTests {
    struct Generator {
        var random: SeededGenerator
        let model: ReferenceModel

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

        /// Keys from a small alphabet, so requests collide; now and then with a 0x00 or 0xFF
        /// byte, the edges of byte order.
        mutating func key() -> [UInt8] {
            var key = (0..<int(1...2)).map { _ in UInt8(ascii: "a") + UInt8(int(0...5)) }
            if chance(5) { key.append(chance(50) ? 0 : 0xFF) }
            return key
        }

        mutating func rangeEnd(for key: [UInt8]) -> [UInt8] {
            switch int(0...3) {
            case 0: return []
            case 1: return [0]
            case 2: return key + [0]
            default: return self.key()
            }
        }

        mutating func value() -> [UInt8] { (0..<int(0...3)).map { _ in UInt8(int(0...3)) } }

        mutating func revision() -> Int64 {
            chance(40) ? 0 : Int64(int(Int(model.compactRevision) - 2...Int(model.revision) + 2))
        }

        mutating func range() -> RangeRequest {
            let key = chance(3) ? [] : self.key()
            return RangeRequest(
                key: key, rangeEnd: rangeEnd(for: key), limit: chance(30) ? Int64(int(1...4)) : 0, revision: revision(),
                sortOrder: [.none, .ascend, .descend][int(0...2)], sortTarget: [.key, .version, .create, .mod, .value][int(0...4)],
                keysOnly: chance(20), countOnly: chance(10),
                minModRevision: chance(10) ? Int64(int(0...Int(model.revision))) : 0,
                maxModRevision: chance(10) ? Int64(int(0...Int(model.revision))) : 0,
                minCreateRevision: chance(10) ? Int64(int(0...Int(model.revision))) : 0,
                maxCreateRevision: chance(10) ? Int64(int(0...Int(model.revision))) : 0)
        }

        mutating func put() -> PutRequest {
            let ignoreValue = chance(10)
            let ignoreLease = chance(10)
            return PutRequest(
                key: key(), value: ignoreValue && !chance(20) ? [] : value(), lease: ignoreLease && !chance(20) ? 0 : Int64(int(0...3)),
                prevKV: chance(50), ignoreValue: ignoreValue, ignoreLease: ignoreLease)
        }

        mutating func deleteRange() -> DeleteRangeRequest {
            let key = self.key()
            return DeleteRangeRequest(key: key, rangeEnd: rangeEnd(for: key), prevKV: chance(50))
        }

        mutating func compare() -> Compare {
            let key = self.key()
            let target: Compare.Target = switch int(0...4) {
            case 0: .value(value())
            case 1: .version(Int64(int(0...3)))
            case 2: .createRevision(Int64(int(0...Int(model.revision) + 1)))
            case 3: .modRevision(Int64(int(0...Int(model.revision) + 1)))
            default: .lease(Int64(int(0...3)))
            }
            return Compare(key: key, rangeEnd: chance(25) ? rangeEnd(for: key) : [], target: target,
                           result: [.equal, .notEqual, .greater, .less][int(0...3)])
        }

        mutating func txn(depth: Int = 0) -> TxnRequest {
            func ops(_ g: inout Generator) -> [RequestOp] {
                (0..<g.int(0...3)).map { _ in
                    switch g.int(0...9) {
                    case 0...2: .range(g.range())
                    case 3...5: .put(g.put())
                    case 6...7: .deleteRange(g.deleteRange())
                    default: depth < 2 ? .txn(g.txn(depth: depth + 1)) : .put(g.put())
                    }
                }
            }
            return TxnRequest(compare: (0..<int(0...2)).map { _ in compare() }, success: ops(&self), failure: ops(&self))
        }
    }

    static func result<T>(_ body: () throws -> T) throws -> Result<T, MVCCError> {
        do { return .success(try body()) } catch let error as MVCCError { return .failure(error) }
    }

    @Test("thousands of random requests answer exactly as the model", arguments: [11, 12, 13] as [UInt64])
    func randomRequests(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        let model = ReferenceModel()
        var g = Generator(random: SeededGenerator(seed: seed), model: model)
        var store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20)
        var index: UInt64 = 0
        var requests = 0
        // Coverage marks: the run must reach the cases it claims to test.
        var outcomes: [String: Int] = [:]
        func mark<T>(_ name: String, _ result: Result<T, MVCCError>) {
            switch result {
            case .success: outcomes[name, default: 0] += 1
            case let .failure(error): outcomes["\(error)", default: 0] += 1
            }
        }
        while requests < 1500 {
            index += 1
            let batchSize = g.int(1...6)
            try store.apply(index: index, term: 1) { batch in
                for _ in 0..<batchSize {
                    requests += 1
                    switch g.int(0...99) {
                    case 0..<30:
                        let r = g.put()
                        let actual = try Self.result { try batch.put(r) }
                        mark("put", actual)
                        #expect(actual == model.put(r), "\(r)")
                    case 30..<45:
                        let r = g.range()
                        let actual = try Self.result { try batch.range(r) }
                        mark("range", actual)
                        #expect(actual == model.range(r), "\(r)")
                    case 45..<60:
                        let r = g.deleteRange()
                        let actual = try Self.result { try batch.deleteRange(r) }
                        mark("deleteRange", actual)
                        #expect(actual == model.deleteRange(r), "\(r)")
                    case 60..<95:
                        let t = g.txn()
                        let actual = try Self.result { try batch.txn(t) }
                        mark("txn", actual)
                        #expect(actual == model.txn(t), "\(t)")
                    default:
                        let target = Int64(g.int(Int(model.compactRevision) - 1...Int(model.revision) + 1))
                        let actual = try Self.result { try batch.compact(target) }
                        mark("compact", actual)
                        #expect(actual == model.compact(target))
                    }
                    #expect(batch.revision == model.revision)
                }
            }
            if g.chance(30) { try store.compactStep(batchMax: g.int(1...20)) }
            // Reads outside a batch, from read transactions.
            for _ in 0..<2 {
                let r = g.range()
                #expect(try Self.result { try store.range(r) } == model.range(r), "\(r)")
            }
            if g.chance(3) {
                store.close()
                store = try MVCCStore(path: dir.path, mapSize: 64 << 20, quotaBytes: 32 << 20)
            }
            if g.chance(5) { try expectSameHistory(store, model) }
        }
        for outcome in ["put", "range", "deleteRange", "txn", "compact", "\(MVCCError.compacted)", "\(MVCCError.futureRevision)",
                        "\(MVCCError.duplicateKey)", "\(MVCCError.keyNotFound)", "\(MVCCError.valueProvided)", "\(MVCCError.emptyKey)"] {
            #expect(outcomes[outcome, default: 0] >= 5, "outcome \(outcome) reached \(outcomes[outcome, default: 0]) times")
        }
        let status = try store.status()
        #expect(status.revision == model.revision && status.compactRevision == model.compactRevision)
        #expect(status.applied.index == index)
        while try store.compactStep(batchMax: 7) {}
        try expectSameHistory(store, model)
        store.close()
    }

    /// Every revision still readable, the events since compaction, and the lease index.
    private func expectSameHistory(_ store: MVCCStore, _ model: ReferenceModel) throws {
        for revision in max(model.compactRevision, 1)...max(model.revision, 1) {
            let all = RangeRequest(key: [0], rangeEnd: [0], revision: revision)
            #expect(try Self.result { try store.range(all) } == model.range(all), "all keys at \(revision)")
        }
        let since = model.compactRevision + 1
        #expect(try store.events(from: since, limit: .max) == model.events.filter { $0.revision.main >= since })
        for lease in 1...3 as ClosedRange<Int64> {
            #expect(try store.keys(attachedTo: lease) == model.keys(attachedTo: lease))
        }
    }
}
