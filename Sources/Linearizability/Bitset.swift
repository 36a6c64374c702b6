/// A fixed-size set of small integers: which operations of a part are linearized so far. It is
/// half of every memo key, so it hashes a few words rather than a `Set<Int>`'s buckets.
struct Bitset: Hashable {
    private var words: [UInt64]

    init(capacity: Int) {
        words = Array(repeating: 0, count: (capacity + 63) / 64)
    }

    mutating func insert(_ member: Int) {
        words[member >> 6] |= 1 << UInt64(member & 63)
    }

    mutating func remove(_ member: Int) {
        words[member >> 6] &= ~(1 << UInt64(member & 63))
    }
}
