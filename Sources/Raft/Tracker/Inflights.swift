/// The appends sent to one follower and not yet acknowledged, as the last index each carried.
/// A fixed-capacity ring: when full, the leader stops sending to that follower (flow control).
struct Inflights {
    private var buffer: [UInt64]
    private var start = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "inflight capacity must be positive")
        buffer = Array(repeating: 0, count: capacity)
    }

    var capacity: Int { buffer.count }
    var isFull: Bool { count == buffer.count }

    /// Records an append whose last entry is `index`; indices only grow.
    mutating func add(_ index: UInt64) {
        precondition(!isFull, "inflights full")
        let slot = (start + count) % buffer.count
        if count > 0 {
            let previous = buffer[(start + count - 1) % buffer.count]
            precondition(index >= previous, "inflight \(index) added after \(previous)")
        }
        buffer[slot] = index
        count += 1
    }

    /// Frees every append acknowledged by an ack of `index`.
    mutating func freeLE(_ index: UInt64) {
        while count > 0 && buffer[start] <= index {
            start = (start + 1) % buffer.count
            count -= 1
        }
        if count == 0 { start = 0 }
    }

    /// Frees the oldest append, whatever its index.
    mutating func freeFirst() {
        guard count > 0 else { return }
        freeLE(buffer[start])
    }

    mutating func reset() {
        start = 0
        count = 0
    }
}
