/// Whether `history` is linearizable with respect to `model`: whether some total order of its
/// operations respects real time (an operation that returned before another was called comes
/// first) and is a legal sequential run of the model.
///
/// The history is split with `model.partition` and the parts are checked smallest first, each by
/// the Wing & Gong backtracking search (with Lowe's linked list and memo of explored states, as
/// in porcupine). The first part that fails is the answer, so it is the smallest failing part.
///
/// `maxSteps` bounds the work over all parts (one step tries or undoes one operation), so the
/// result never depends on machine speed: when it runs out the answer is `.unknown`, even if a
/// part not yet checked would have failed. A step costs one to three microseconds (optimized or
/// debug build), so the default stops a hopeless search within half a minute.
public func checkLinearizable<Model: LinearizabilityModel>(
    _ model: Model,
    _ history: [HistoryOperation<Model.Input, Model.Output>],
    maxSteps: Int = 10_000_000
) -> CheckResult<Model.Input, Model.Output> {
    let parts = model.partition(history).enumerated()
        .sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
        .map(\.element)
    var budget = maxSteps
    for part in parts {
        switch search(model, part, budget: &budget) {
        case true?:
            continue
        case false?:
            let byCall = part.indices.sorted { (part[$0].call, $0) < (part[$1].call, $1) }
            return .notLinearizable(byCall.map { part[$0] })
        case nil:
            return .unknown
        }
    }
    return .linearizable
}

/// Whether `part` is linearizable; `nil` when `budget` runs out first.
private func search<Model: LinearizabilityModel>(
    _ model: Model,
    _ part: [HistoryOperation<Model.Input, Model.Output>],
    budget: inout Int
) -> Bool? {
    var events = EventList(part)
    var explored = Set<MemoKey<Model.State>>()
    var linearized = Bitset(capacity: part.count)
    var state = model.initialState
    // The calls linearized so far, each with the state before it, to backtrack to.
    var stack: [(node: Int, state: Model.State)] = []
    stack.reserveCapacity(part.count)

    // The walk never reaches the tail: a call node is always followed, eventually, by its own
    // return, which stays linked while the call is.
    var node = events.next[EventList.head]
    while !events.isEmpty {
        guard budget > 0 else { return nil }
        budget -= 1
        if events.isCall(node) {
            let op = part[events.operation[node]]
            if let after = model.step(state, op.input, op.output) {
                linearized.insert(events.operation[node])
                if explored.insert(MemoKey(linearized: linearized, state: after)).inserted {
                    stack.append((node, state))
                    state = after
                    events.lift(node)
                    node = events.next[EventList.head]
                    continue
                }
                linearized.remove(events.operation[node])
            }
            node = events.next[node]
        } else {
            // A return: its operation had to be linearized by now and was not, so the last choice
            // was wrong. With no choice left to undo, nothing works.
            guard let (call, before) = stack.popLast() else { return false }
            state = before
            linearized.remove(events.operation[call])
            events.unlift(call)
            node = events.next[call]
        }
    }
    return true
}
