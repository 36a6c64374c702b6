/// The call and return events of one part of a history in time order, as a doubly linked list
/// over array indices. Linearizing an operation unlinks its call and its return in O(1), and
/// backtracking links them back in O(1) because the search undoes in reverse order (dancing
/// links): this is Lowe's refinement of the Wing & Gong search.
///
/// Node 0 is a head sentinel and the last node a tail sentinel, so that no link is ever missing.
struct EventList {
    static let head = 0
    let tail: Int
    private(set) var next: [Int]
    private var prev: [Int]
    /// The operation (index into the part) each node belongs to.
    let operation: [Int]
    /// For a call node, the node of its return; -1 for a return node.
    private let returnNode: [Int]

    /// Events are sorted by time; at equal times calls come before returns, which makes an
    /// operation returning at `t` overlap one called at `t` (see `HistoryOperation`). The
    /// operation index breaks the remaining ties so that the search is the same on every run.
    init<Input, Output>(_ operations: [HistoryOperation<Input, Output>]) {
        var events: [(time: UInt64, isReturn: Int, operation: Int)] = []
        events.reserveCapacity(2 * operations.count)
        for (index, op) in operations.enumerated() {
            events.append((op.call, 0, index))
            events.append((op.returned, 1, index))
        }
        events.sort { ($0.time, $0.isReturn, $0.operation) < ($1.time, $1.isReturn, $1.operation) }

        tail = events.count + 1
        next = Array(1...tail) + [tail]
        prev = [Self.head] + Array(0..<tail)
        var operation = [-1]
        var returnNode = Array(repeating: -1, count: tail + 1)
        var callNode = Array(repeating: 0, count: operations.count)
        for (position, event) in events.enumerated() {
            let node = position + 1
            operation.append(event.operation)
            if event.isReturn == 0 {
                callNode[event.operation] = node
            } else {
                returnNode[callNode[event.operation]] = node
            }
        }
        operation.append(-1)
        self.operation = operation
        self.returnNode = returnNode
    }

    var isEmpty: Bool { next[Self.head] == tail }

    func isCall(_ node: Int) -> Bool { returnNode[node] >= 0 }

    /// Unlinks the call `node` and its return.
    mutating func lift(_ node: Int) {
        unlink(node)
        unlink(returnNode[node])
    }

    /// Links back the call `node` and its return; only valid for the most recently lifted call.
    mutating func unlift(_ node: Int) {
        relink(returnNode[node])
        relink(node)
    }

    private mutating func unlink(_ node: Int) {
        next[prev[node]] = next[node]
        prev[next[node]] = prev[node]
    }

    private mutating func relink(_ node: Int) {
        next[prev[node]] = node
        prev[next[node]] = node
    }
}
