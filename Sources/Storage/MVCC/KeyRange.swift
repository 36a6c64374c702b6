/// Which keys a request names, decoded once from etcd's (`key`, `range_end`) pair:
/// an empty `range_end` names `key` alone; `range_end == "\0"` names every key `>= key`
/// (with `key == "\0"`, every key); anything else names `[key, range_end)`.
public enum KeyRange: Equatable, Sendable {
    case single([UInt8])
    case fromKey([UInt8])
    case halfOpen([UInt8], [UInt8])

    public init(key: [UInt8], rangeEnd: [UInt8]) {
        if rangeEnd.isEmpty {
            self = .single(key)
        } else if rangeEnd == [0] {
            self = .fromKey(key)
        } else {
            self = .halfOpen(key, rangeEnd)
        }
    }

    /// The smallest key named.
    public var start: [UInt8] {
        switch self {
        case let .single(key), let .fromKey(key), let .halfOpen(key, _): key
        }
    }

    public func contains(_ key: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case let .single(k): return k.elementsEqual(key)
        case let .fromKey(k): return !key.lexicographicallyPrecedes(k)
        case let .halfOpen(k, end): return !key.lexicographicallyPrecedes(k) && key.lexicographicallyPrecedes(end)
        }
    }

    public func contains(_ key: [UInt8]) -> Bool {
        key.withUnsafeBytes { contains($0) }
    }

    /// Whether `key` sorts after every key named (a scan in key order can stop).
    func isPast(_ key: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case let .single(k): return k.lexicographicallyPrecedes(key)
        case .fromKey: return false
        case let .halfOpen(_, end): return !key.lexicographicallyPrecedes(end)
        }
    }
}
