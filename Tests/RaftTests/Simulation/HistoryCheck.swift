import Linearizability

/// Checks a simulation's client history for linearizability against a key-value register per key.
enum HistoryCheck {
    typealias Model = KVModel<UInt8, UInt32>

    /// Step budget of the search; far above what the simulator's histories need.
    static let maxSteps = 2_000_000

    static func violation(in history: [HistoryEntry]) -> String? {
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
