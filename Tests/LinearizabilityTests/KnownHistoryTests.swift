import Linearizability
import Testing

@Suite struct KnownHistoryTests {
    let kv = KV()

    @Test func sequentialWritesAndReads() {
        let history = [
            get(0, "a", nil, 0, 1),
            put(0, "a", "1", 2, 3),
            get(1, "a", "1", 4, 5),
            delete(1, "a", 6, 7),
            get(0, "a", nil, 8, 9),
        ]
        #expect(checkLinearizable(kv, history) == .linearizable)
    }

    @Test func emptyHistoryIsLinearizable() {
        #expect(checkLinearizable(kv, []) == .linearizable)
    }

    @Test func staleReadAfterCompletedWriteFails() {
        let history = [
            put(0, "a", "1", 0, 10),
            put(0, "a", "2", 20, 30),
            get(1, "a", "1", 40, 50),
        ]
        #expect(checkLinearizable(kv, history) == .notLinearizable(history))
    }

    @Test func readConcurrentWithWriteMaySeeEitherValue() {
        for seen in ["1", "2"] {
            let history = [
                put(0, "a", "1", 0, 10),
                put(0, "a", "2", 20, 30),
                get(1, "a", seen, 25, 40),
            ]
            #expect(checkLinearizable(kv, history) == .linearizable)
        }
    }

    @Test func readAfterDeleteSeesNothing() {
        let history = [
            put(0, "a", "1", 0, 1),
            delete(0, "a", 2, 3),
            get(1, "a", "1", 4, 5),
        ]
        #expect(checkLinearizable(kv, history) != .linearizable)
    }

    /// Two concurrent writes may land in either order, but every reader must agree on one.
    @Test func concurrentWritesSeenInBothOrdersFails() {
        let writes = [put(0, "a", "1", 0, 100), put(1, "a", "2", 0, 100)]
        let oneThenTwo = [get(2, "a", "1", 10, 20), get(2, "a", "2", 30, 40)]
        let twoThenOne = [get(3, "a", "2", 10, 20), get(3, "a", "1", 30, 40)]
        #expect(checkLinearizable(kv, writes + oneThenTwo) == .linearizable)
        #expect(checkLinearizable(kv, writes + twoThenOne) == .linearizable)
        #expect(checkLinearizable(kv, writes + oneThenTwo + twoThenOne) != .linearizable)
    }

    @Test func afterConcurrentWritesTheValueIsSettled() {
        let writes = [put(0, "a", "1", 0, 10), put(1, "a", "2", 0, 10)]
        #expect(checkLinearizable(kv, writes + [get(2, "a", "2", 20, 30), get(2, "a", "2", 40, 50)]) == .linearizable)
        #expect(checkLinearizable(kv, writes + [get(2, "a", "2", 20, 30), get(2, "a", "1", 40, 50)]) != .linearizable)
    }

    @Test func pendingWriteMayTakeEffectLate() {
        let history = [
            put(0, "a", "1", 5, .max),
            get(1, "a", nil, 10, 20),
            get(1, "a", "1", 1_000, 1_010),
        ]
        #expect(checkLinearizable(kv, history) == .linearizable)
    }

    @Test func pendingWriteMayNeverTakeEffect() {
        let history = [
            put(0, "a", "1", 5, .max),
            get(1, "a", nil, 10, 20),
            get(1, "a", nil, 1_000, 1_010),
        ]
        #expect(checkLinearizable(kv, history) == .linearizable)
    }

    @Test func pendingWriteCannotBeUndone() {
        let history = [
            put(0, "a", "1", 5, .max),
            get(1, "a", "1", 10, 20),
            get(1, "a", nil, 30, 40),
        ]
        #expect(checkLinearizable(kv, history) != .linearizable)
    }

    @Test func pendingWriteCannotTakeEffectBeforeItsCall() {
        let history = [
            get(1, "a", "1", 0, 4),
            put(0, "a", "1", 5, .max),
        ]
        #expect(checkLinearizable(kv, history) != .linearizable)
    }

    /// Forty writes of unknown outcome that nobody saw would be 2^40 subsets to try before the
    /// stale read is rejected, if the model did not leave them out.
    @Test func unseenPendingWritesDoNotSlowRejection() {
        let pending = (0..<40).map { put($0, "a", "lost \($0)", UInt64($0), .max) }
        let stale = [put(40, "a", "1", 0, 1), put(40, "a", "2", 2, 3), get(41, "a", "1", 100, 101)]
        #expect(checkLinearizable(kv, pending + stale, maxSteps: 1_000) == .notLinearizable(stale))
        let seen = [get(41, "a", "lost 7", 200, 201)]
        #expect(checkLinearizable(kv, pending + stale.dropLast() + seen) == .linearizable)
    }

    @Test func readOfValueNeverWrittenFails() {
        let history = [
            put(0, "a", "1", 0, 10),
            get(1, "a", "7", 5, 15),
        ]
        #expect(checkLinearizable(kv, history) != .linearizable)
    }

    /// A return and a call at the same instant overlap: the read may precede the write.
    @Test func equalTimestampsOverlap() {
        #expect(checkLinearizable(kv, [put(0, "a", "1", 0, 10), get(1, "a", nil, 10, 20)]) == .linearizable)
        #expect(checkLinearizable(kv, [put(0, "a", "1", 0, 10), get(1, "a", nil, 11, 20)]) != .linearizable)
    }

    @Test func keysAreIndependent() {
        let history = [
            put(0, "a", "1", 0, 10),
            get(1, "b", nil, 20, 30),
            get(1, "a", "1", 20, 30),
        ]
        #expect(checkLinearizable(kv, history) == .linearizable)
    }

    @Test func reportsSmallestFailingKeyInCallOrder() {
        let bigFailure = [
            put(0, "big", "1", 0, 1),
            put(0, "big", "2", 2, 3),
            put(0, "big", "3", 4, 5),
            get(1, "big", "1", 6, 7),
        ]
        let smallFailure = [get(1, "small", "9", 3, 4), put(0, "small", "1", 1, 2)]
        let fine = [put(2, "fine", "1", 0, 1), get(2, "fine", "1", 2, 3)]
        let result = checkLinearizable(kv, fine + bigFailure + smallFailure)
        #expect(result == .notLinearizable([smallFailure[1], smallFailure[0]]))
    }

    @Test func runningOutOfStepsIsUnknown() {
        let history = executedHistory(seed: 1, operations: 200, clients: 5, keys: 1, pendingPercent: 5)
        #expect(checkLinearizable(kv, history, maxSteps: 20) == .unknown)
        #expect(checkLinearizable(kv, history) == .linearizable)
    }

    @Test func failingOperationPrintsReadably() {
        #expect(put(3, "a", "1", 5, .max).description == "client 3 [5, pending] put(a, 1) -> ok")
        #expect(get(1, "a", nil, 2, 9).description == "client 1 [2, 9] get(a) -> absent")
    }

    /// A model that keeps the default single partition: a counter whose increment returns the new
    /// count.
    struct Counter: LinearizabilityModel {
        var initialState: Int { 0 }

        func step(_ state: Int, _ input: Void, _ output: Int) -> Int? {
            output == state + 1 ? output : nil
        }
    }

    @Test func modelWithoutPartitioning() {
        func increment(_ client: Int, _ result: Int, _ call: UInt64, _ returned: UInt64) -> HistoryOperation<Void, Int> {
            HistoryOperation(clientID: client, input: (), call: call, output: result, returned: returned)
        }
        let concurrent = [increment(0, 2, 0, 10), increment(1, 1, 5, 15), increment(2, 3, 12, 20)]
        let sequentialOutOfOrder = [increment(0, 2, 0, 10), increment(1, 1, 11, 15)]
        guard case .linearizable = checkLinearizable(Counter(), concurrent) else {
            Issue.record("concurrent increments may return in any order")
            return
        }
        guard case .notLinearizable(let ops) = checkLinearizable(Counter(), sequentialOutOfOrder) else {
            Issue.record("a later increment cannot see an earlier count")
            return
        }
        #expect(ops.map(\.output) == [2, 1])
    }
}
