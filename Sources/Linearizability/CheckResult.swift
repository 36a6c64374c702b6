/// The verdict on a history.
public enum CheckResult<Input, Output> {
    case linearizable
    /// No order of the operations is both legal for the model and consistent with real time.
    /// Carries the smallest part of the history (see `LinearizabilityModel.partition`) that fails
    /// on its own, sorted by call time, so that a failing test prints only what is needed.
    case notLinearizable([HistoryOperation<Input, Output>])
    /// The step budget ran out before an answer was found.
    case unknown
}

extension CheckResult: Equatable where Input: Equatable, Output: Equatable {}
extension CheckResult: Sendable where Input: Sendable, Output: Sendable {}
