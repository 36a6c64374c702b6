import Linearizability

typealias KV = KVModel<String, String>
typealias Op = HistoryOperation<KV.Input, KV.Output>

func put(_ client: Int, _ key: String, _ value: String, _ call: UInt64, _ returned: UInt64) -> Op {
    Op(clientID: client, input: .put(key, value), call: call, output: .ok, returned: returned)
}

func delete(_ client: Int, _ key: String, _ call: UInt64, _ returned: UInt64) -> Op {
    Op(clientID: client, input: .delete(key), call: call, output: .ok, returned: returned)
}

func get(_ client: Int, _ key: String, _ seen: String?, _ call: UInt64, _ returned: UInt64) -> Op {
    Op(clientID: client, input: .get(key), call: call, output: .value(seen), returned: returned)
}

/// SplitMix64: a seeded generator, so that a failing seed replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A history that really happened: each client runs operations one after another, each takes
/// effect on a dictionary at one instant inside its interval, and outputs are what the dictionary
/// answered at that instant. Linearizable by construction. Every put writes a value of its own,
/// so that mutations of the outputs can be made certainly wrong.
///
/// About `pendingPercent` of the operations lose their answer: a lost write stays with
/// `returned = .max` and takes effect or not at random, a lost read is left out.
func executedHistory(seed: UInt64, operations: Int, clients: Int, keys: Int, pendingPercent: Int) -> [Op] {
    var random = SeededGenerator(seed: seed)
    var clock = Array(repeating: UInt64(0), count: clients)
    var planned: [(op: Op, instant: UInt64, pending: Bool, takesEffect: Bool)] = []
    for n in 0..<operations {
        let client = Int.random(in: 0..<clients, using: &random)
        let call = clock[client] + UInt64.random(in: 0...5, using: &random)
        let returned = call + UInt64.random(in: 0...20, using: &random)
        clock[client] = returned
        let key = "k\(Int.random(in: 0..<keys, using: &random))"
        let input: KV.Input = switch Int.random(in: 0..<100, using: &random) {
        case ..<45: .get(key)
        case ..<85: .put(key, "v\(n)")
        default: .delete(key)
        }
        planned.append((
            Op(clientID: client, input: input, call: call, output: .ok, returned: returned),
            UInt64.random(in: call...returned, using: &random),
            Int.random(in: 0..<100, using: &random) < pendingPercent,
            Bool.random(using: &random)
        ))
    }

    var map: [String: String] = [:]
    for index in planned.indices.sorted(by: { (planned[$0].instant, $0) < (planned[$1].instant, $1) }) {
        let effective = !planned[index].pending || planned[index].takesEffect
        switch planned[index].op.input {
        case .get(let key): planned[index].op.output = .value(map[key])
        case .put(let key, let value): if effective { map[key] = value }
        case .delete(let key): if effective { map[key] = nil }
        }
    }

    return planned.compactMap { plan in
        guard plan.pending else { return plan.op }
        if case .get = plan.op.input { return nil }
        var op = plan.op
        op.returned = .max
        return op
    }
}

/// Tries every order of the operations that respects real time, on a whole dictionary, with no
/// partitioning and no memo: the definition of linearizability, for small histories.
func bruteForceLinearizable(_ history: [Op]) -> Bool {
    func extend(_ done: [Bool], _ map: [String: String]) -> Bool {
        guard done.contains(false) else { return true }
        for next in history.indices where !done[next] {
            let mustWait = history.indices.contains { !done[$0] && history[$0].returned < history[next].call }
            if mustWait { continue }
            var map = map
            switch (history[next].input, history[next].output) {
            case (.put(let key, let value), .ok): map[key] = value
            case (.delete(let key), .ok): map[key] = nil
            case (.get(let key), .value(let seen)) where map[key] == seen: break
            default: continue
            }
            var done = done
            done[next] = true
            if extend(done, map) { return true }
        }
        return false
    }
    return extend(Array(repeating: false, count: history.count), [:])
}
