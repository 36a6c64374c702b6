@testable import Raft

/// The simulated network: messages wait in time buckets until their delivery time. Links can be
/// cut one way or both; loss, duplication and delay are drawn from the run's generator.
struct SimulatedNetwork {
    struct InFlight {
        var message: Message
        var sequence: UInt64
    }

    /// Delays are below this many time units.
    static let bucketCount = 64

    private var buckets: [[InFlight]] = Array(repeating: [], count: bucketCount)
    private var sequence: UInt64 = 0
    /// `blocked[from][to]`: messages from `from` to `to` are lost.
    private(set) var blocked: Set<Link> = []
    var dropRate: Double
    var duplicateRate: Double
    var maxDelay: Int

    struct Link: Hashable, Comparable, CustomStringConvertible {
        var from: NodeID
        var to: NodeID
        static func < (a: Link, b: Link) -> Bool { (a.from, a.to) < (b.from, b.to) }
        var description: String { "\(from)->\(to)" }
    }

    init(mix: FaultMix) {
        dropRate = mix.dropRate
        duplicateRate = mix.duplicateRate
        maxDelay = max(1, min(mix.maxDelay, Self.bucketCount - 1))
    }

    var inFlightCount: Int { buckets.reduce(0) { $0 + $1.count } }

    func isBlocked(_ from: NodeID, _ to: NodeID) -> Bool {
        blocked.contains(Link(from: from, to: to))
    }

    mutating func cut(_ from: NodeID, _ to: NodeID) {
        blocked.insert(Link(from: from, to: to))
    }

    mutating func healAll() {
        blocked.removeAll()
    }

    /// Cuts every link between the two groups, both ways.
    mutating func split(_ a: [NodeID], _ b: [NodeID]) {
        for x in a {
            for y in b {
                cut(x, y)
                cut(y, x)
            }
        }
    }

    /// Queues `message` at time `now`; returns false when it was lost at once.
    mutating func send(_ message: Message, now: Int, random: inout SplitMix64) -> Bool {
        if chance(dropRate, &random) { return false }
        enqueue(message, now: now, random: &random)
        if chance(duplicateRate, &random) {
            enqueue(message, now: now, random: &random)
        }
        return true
    }

    private mutating func enqueue(_ message: Message, now: Int, random: inout SplitMix64) {
        let delay = 1 + random.next(below: maxDelay)
        sequence += 1
        buckets[(now + delay) % Self.bucketCount].append(InFlight(message: message, sequence: sequence))
    }

    /// The messages due at `now`, shuffled (same-time messages arrive in any order). Messages on a
    /// link cut in the meantime are lost and returned separately.
    mutating func takeDue(now: Int, random: inout SplitMix64) -> (delivered: [Message], lost: [Message]) {
        let slot = now % Self.bucketCount
        var due = buckets[slot]
        buckets[slot].removeAll(keepingCapacity: true)
        guard !due.isEmpty else { return ([], []) }
        for i in stride(from: due.count - 1, to: 0, by: -1) {
            due.swapAt(i, random.next(below: i + 1))
        }
        var delivered: [Message] = []
        var lost: [Message] = []
        for item in due {
            if isBlocked(item.message.from, item.message.to) {
                lost.append(item.message)
            } else {
                delivered.append(item.message)
            }
        }
        return (delivered, lost)
    }

    /// Drops everything in flight (used when the cluster heals, to start the liveness phase clean).
    mutating func clear() {
        for i in buckets.indices { buckets[i].removeAll() }
    }
}

func chance(_ probability: Double, _ random: inout SplitMix64) -> Bool {
    guard probability > 0 else { return false }
    return Double(random.next() >> 11) / Double(1 << 53) < probability
}
