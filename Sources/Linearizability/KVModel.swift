/// A key-value map whose operations each touch one key: the model for checking client histories
/// against the store. Keys and values are generic so that the simulator can use `String`s and the
/// end-to-end tests the raw `[UInt8]` of the etcd API.
///
/// Histories are split by key, so `State` is the value of the one key a part is about (`nil`:
/// absent), and `step` never looks at the key.
public struct KVModel<Key: Hashable, Value: Hashable>: LinearizabilityModel {
    public enum Input: Hashable {
        case put(Key, Value)
        case get(Key)
        case delete(Key)

        public var key: Key {
            switch self {
            case .put(let key, _), .get(let key), .delete(let key): key
            }
        }
    }

    public enum Output: Hashable {
        /// The answer to a put or a delete, and the output to give one whose outcome is unknown.
        case ok
        /// The answer to a get: the value, or `nil` when the key is absent.
        case value(Value?)
    }

    public init() {}

    public var initialState: Value? { nil }

    public func step(_ state: Value?, _ input: Input, _ output: Output) -> Value?? {
        switch (input, output) {
        case (.put(_, let value), .ok):
            return .some(value)
        case (.delete, .ok):
            return .some(nil)
        case (.get, .value(let seen)) where seen == state:
            return .some(state)
        default:
            return nil
        }
    }

    /// One part per key, in the order keys first appear, so that the check is the same on every run.
    ///
    /// A write of unknown outcome that no read on its key could have seen (no get returned the
    /// value it leaves) is left out. Wherever such a write sits in a linearization, the next
    /// operation on the key is another write or nothing, so moving it to the very end keeps the
    /// order legal, and at the end it needs no real-time order and changes nothing observed.
    /// Without this, every such write can double the states the search visits before it rejects
    /// a history: with a fifth of the writes pending, rejecting 2,000 operations ran out of ten
    /// million steps, where it now takes a tenth of a second.
    public func partition(_ history: [HistoryOperation<Input, Output>]) -> [[HistoryOperation<Input, Output>]] {
        var seen: [Key: Set<Value?>] = [:]
        for op in history {
            if case .value(let value) = op.output { seen[op.input.key, default: []].insert(value) }
        }
        var partOf: [Key: Int] = [:]
        var parts: [[HistoryOperation<Input, Output>]] = []
        for op in history {
            let key = op.input.key
            if op.returned == .max, op.output == .ok, let after = write(op.input), seen[key]?.contains(after) != true {
                continue
            }
            if let index = partOf[key] {
                parts[index].append(op)
            } else {
                partOf[key] = parts.count
                parts.append([op])
            }
        }
        return parts
    }

    /// What a write leaves in its key; `nil` when `input` is a read.
    private func write(_ input: Input) -> Value?? {
        switch input {
        case .put(_, let value): .some(value)
        case .delete: .some(nil)
        case .get: nil
        }
    }
}

extension KVModel: Sendable {}
extension KVModel.Input: Sendable where Key: Sendable, Value: Sendable {}
extension KVModel.Output: Sendable where Value: Sendable {}

extension KVModel.Input: CustomStringConvertible {
    public var description: String {
        switch self {
        case .put(let key, let value): "put(\(key), \(value))"
        case .get(let key): "get(\(key))"
        case .delete(let key): "delete(\(key))"
        }
    }
}

extension KVModel.Output: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ok: "ok"
        case .value(let value?): "\(value)"
        case .value(nil): "absent"
        }
    }
}
