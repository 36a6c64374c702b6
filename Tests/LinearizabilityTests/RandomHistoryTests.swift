import Linearizability
import Testing

@Suite struct RandomHistoryTests {
    let kv = KV()

    @Test(arguments: 0..<200)
    func executedHistoriesAreAccepted(seed: UInt64) {
        let history = executedHistory(seed: seed, operations: 100, clients: 4, keys: 3, pendingPercent: 10)
        #expect(checkLinearizable(kv, history) == .linearizable, "seed \(seed)")
    }

    /// A read that sees a value nobody wrote.
    @Test(arguments: 0..<100)
    func readOfUnwrittenValueIsRejected(seed: UInt64) throws {
        var history = executedHistory(seed: seed, operations: 100, clients: 4, keys: 3, pendingPercent: 10)
        let read = try #require(history.indices.first { isRead(history[$0]) && history[$0].call % 3 == seed % 3 }
            ?? history.indices.first { isRead(history[$0]) })
        history[read].output = .value("never written")
        #expect(checkLinearizable(kv, history) != .linearizable, "seed \(seed)")
    }

    /// A read that sees a value overwritten by a write that finished before the read began.
    @Test(arguments: 0..<100)
    func staleReadIsRejected(seed: UInt64) {
        var history = executedHistory(seed: seed, operations: 100, clients: 4, keys: 3, pendingPercent: 10)
        guard let (read, value) = staleMutation(history) else { return }
        history[read].output = .value(value)
        #expect(checkLinearizable(kv, history) != .linearizable, "seed \(seed)")
    }

    /// A read that sees a value written by a put called only after the read returned.
    @Test(arguments: 0..<100)
    func readFromTheFutureIsRejected(seed: UInt64) {
        var history = executedHistory(seed: seed, operations: 100, clients: 4, keys: 3, pendingPercent: 10)
        let mutation = history.indices.lazy.compactMap { read -> (Int, String)? in
            guard self.isRead(history[read]), history[read].returned != .max else { return nil }
            let key = history[read].input.key
            for write in history where write.call > history[read].returned {
                if case .put(key, let value) = write.input { return (read, value) }
            }
            return nil
        }.first
        guard let (read, value) = mutation else { return }
        history[read].output = .value(value)
        #expect(checkLinearizable(kv, history) != .linearizable, "seed \(seed)")
    }

    /// Small random histories, outputs made up, judged against trying every order.
    @Test func agreesWithBruteForce() {
        var accepted = 0
        var rejected = 0
        for seed in UInt64(0)..<1_000 {
            var random = SeededGenerator(seed: seed)
            let history = (0..<7).map { _ -> Op in
                let key = ["a", "b"].randomElement(using: &random)!
                let call = UInt64.random(in: 0...15, using: &random)
                let returned = Int.random(in: 0..<8, using: &random) == 0 ? .max : call + UInt64.random(in: 0...10, using: &random)
                return switch Int.random(in: 0..<10, using: &random) {
                case ..<4: get(0, key, [nil, "1", "2"].randomElement(using: &random)!, call, returned == .max ? call + 3 : returned)
                case ..<8: put(0, key, ["1", "2"].randomElement(using: &random)!, call, returned)
                default: delete(0, key, call, returned)
                }
            }
            let expected = bruteForceLinearizable(history)
            #expect((checkLinearizable(kv, history) == .linearizable) == expected, "seed \(seed): \(history)")
            if expected { accepted += 1 } else { rejected += 1 }
        }
        #expect(accepted > 200 && rejected > 200, "\(accepted) accepted, \(rejected) rejected: too one-sided to compare")
    }

    /// The size the simulator produces: 2,000 operations of 5 clients over 5 keys.
    @Test func largeHistory() {
        var history = executedHistory(seed: 42, operations: 2_000, clients: 5, keys: 5, pendingPercent: 5)
        #expect(checkLinearizable(kv, history) == .linearizable)
        if let (read, value) = staleMutation(history) {
            history[read].output = .value(value)
            #expect(checkLinearizable(kv, history) != .linearizable)
        } else {
            Issue.record("no stale read to plant")
        }
    }

    private func isRead(_ op: Op) -> Bool {
        if case .get = op.input { true } else { false }
    }

    /// A completed read and a value it cannot see: one whose put finished before another write
    /// to the key began, which itself finished before the read began. Values are unique, so the
    /// put is the only one that wrote it.
    private func staleMutation(_ history: [Op]) -> (read: Int, value: String)? {
        for read in history.indices.reversed() where isRead(history[read]) {
            let key = history[read].input.key
            for overwrite in history where overwrite.input.key == key && overwrite.returned < history[read].call {
                guard !isRead(overwrite) else { continue }
                for old in history where old.returned < overwrite.call {
                    if case .put(key, let value) = old.input { return (read, value) }
                }
            }
        }
        return nil
    }
}
