import Linearizability

/// Checks a simulation's client history for linearizability against a key-value register per key.
enum HistoryCheck {
    typealias Model = KVModel<UInt8, UInt32>

    /// Step budget of the search; far above what the simulator's histories need.
    static let maxSteps = 2_000_000

    static func violation(in history: [HistoryEntry]) -> String? {
        guard let failure = check(history) else { return nil }
        return failure + "\n" + firstFailingPrefix(history)
    }

    /// The history as it stood at time `cutoff`: operations called by then, those still running
    /// then treated as unanswered. Non-linearizable prefixes stay so as they grow, so the earliest
    /// cutoff that fails points at the operation that broke it.
    private static func firstFailingPrefix(_ history: [HistoryEntry]) -> String {
        let times = Array(Set(history.map(\.call))).sorted()
        func prefix(_ cutoff: Int) -> [HistoryEntry] {
            history.compactMap { entry in
                guard entry.call <= cutoff else { return nil }
                guard let returned = entry.returned, returned > cutoff else { return entry }
                if case .get = entry.kind { return nil }
                var pending = entry
                pending.returned = nil
                return pending
            }
        }
        var low = 0
        var high = times.count - 1
        while low < high {
            let middle = (low + high) / 2
            if check(prefix(times[middle])) == nil { low = middle + 1 } else { high = middle }
        }
        return "the history first fails with the operation called at t=\(times[low])"
    }

    private static func check(_ history: [HistoryEntry]) -> String? {
        let operations = history.map { entry -> HistoryOperation<Model.Input, Model.Output> in
            let input: Model.Input
            let output: Model.Output
            switch entry.kind {
            case .put(let key, let value):
                input = .put(key, value)
                output = .ok
            case .get(let key):
                input = .get(key)
                output = .value(entry.result)
            }
            return HistoryOperation(clientID: Int(entry.client), input: input, call: UInt64(entry.call),
                                    output: output, returned: entry.returned.map(UInt64.init) ?? .max)
        }
        switch checkLinearizable(Model(), operations, maxSteps: maxSteps) {
        case .linearizable:
            return nil
        case .notLinearizable(let part):
            return "not linearizable; the smallest failing part:\n" + part.map { "  \($0)" }.joined(separator: "\n")
        case .unknown:
            return "linearizability undecided within \(maxSteps) steps (\(operations.count) operations)"
        }
    }
}
