/// What the search has already explored: having linearized exactly these operations and reached
/// this state, the rest of the search does not depend on the order that led here, so a second
/// arrival can be cut off.
struct MemoKey<State: Hashable>: Hashable {
    var linearized: Bitset
    var state: State
}
