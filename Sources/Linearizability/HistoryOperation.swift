/// One operation a client performed: what it asked, what it was told, and when.
///
/// `call` and `returned` are timestamps on one clock every client shares (simulator ticks, or a
/// monotonic clock in the process that drives the clients). The checker orders two operations
/// only when one returned strictly before the other was called; equal timestamps count as
/// overlapping, because a coarse clock cannot tell which came first, and treating such a pair as
/// concurrent can only accept more histories, never reject a correct one.
///
/// An operation whose outcome the client never learned (it timed out, the connection dropped)
/// may or may not have taken effect, and may take effect at any time after its call:
/// - a write of unknown outcome stays in the history with `returned = .max` and an output the
///   model accepts in every state (for `KVModel`, `.ok`). The search may then place it anywhere
///   after its call, including after everything else, which is the same as "never happened" for
///   every observation in the history;
/// - a read that never returned constrains nothing: leave it out.
/// A write the system definitely refused (it is known not to have taken effect) is left out too.
public struct HistoryOperation<Input, Output> {
    /// Only for printing a failing history: the checker does not need it, since a client's own
    /// operations are already ordered by their timestamps.
    public var clientID: Int
    public var input: Input
    public var call: UInt64
    public var output: Output
    /// `.max` when the outcome is unknown.
    public var returned: UInt64

    public init(clientID: Int, input: Input, call: UInt64, output: Output, returned: UInt64) {
        precondition(call <= returned, "an operation cannot return before it is called")
        self.clientID = clientID
        self.input = input
        self.call = call
        self.output = output
        self.returned = returned
    }
}

extension HistoryOperation: Equatable where Input: Equatable, Output: Equatable {}
extension HistoryOperation: Sendable where Input: Sendable, Output: Sendable {}

extension HistoryOperation: CustomStringConvertible {
    public var description: String {
        let end = returned == .max ? "pending" : String(returned)
        return "client \(clientID) [\(call), \(end)] \(input) -> \(output)"
    }
}
