/// The sequential specification a history is checked against: an object that starts in
/// `initialState` and moves from state to state, one operation at a time.
///
/// `State` is `Hashable` because the search remembers every (set of linearized operations, state)
/// pair it has tried; without that memo the search is exponential in the number of concurrent
/// operations on every path, with it each pair is explored once.
public protocol LinearizabilityModel {
    associatedtype State: Hashable
    associatedtype Input
    associatedtype Output

    var initialState: State { get }

    /// The state after `input` took effect in `state` and produced `output`, or `nil` when the
    /// object could not have answered `output` in `state`.
    func step(_ state: State, _ input: Input, _ output: Output) -> State?

    /// Splits a history into parts that can be checked one by one: a history is linearizable if
    /// and only if every part is (P-compositionality, Horn & Kroening 2015). Each part is a smaller
    /// search and the cost is exponential in its size, so a model that touches independent
    /// objects (keys of a map) should split by object. A model may also leave out operations it
    /// can prove make no difference to the verdict (see `KVModel`).
    func partition(_ history: [HistoryOperation<Input, Output>]) -> [[HistoryOperation<Input, Output>]]
}

extension LinearizabilityModel {
    /// The whole history as one part: right for any model, fast only for small histories.
    public func partition(_ history: [HistoryOperation<Input, Output>]) -> [[HistoryOperation<Input, Output>]] {
        [history]
    }
}
