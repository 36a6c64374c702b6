/// The arithmetic of a majority, for what members and operators are told about fault
/// tolerance (SPEC F6): quorum = floor(n/2) + 1, tolerance = n − quorum.
///
/// It lives beside `ConfState.quorum` so that the server's log lines, its metrics and
/// `concordctl endpoint quorum` all count the way the consensus core does.
public struct Quorum: Sendable, Equatable {
    /// Voting members (learners do not count: they neither vote nor acknowledge commits).
    public let voters: Int

    public init(voters: Int) {
        precondition(voters >= 0, "a negative number of voters")
        self.voters = voters
    }

    /// Voters that must agree to elect a leader or commit an entry.
    public var size: Int { voters / 2 + 1 }

    /// Voters that may fail while the rest still form a quorum.
    public var tolerance: Int { max(0, voters - size) }

    /// Failures survivable with `up` voters reachable; negative: that many more voters must
    /// return before there is a quorum again.
    public func tolerance(up: Int) -> Int { up - size }

    /// Why an even number of voters is a poor choice, or nil when the number is odd (or zero):
    /// the extra member adds a vote every write waits for and no failure tolerated.
    public var evenSizeAdvice: String? {
        guard voters > 0, voters % 2 == 0 else { return nil }
        let fewer = Quorum(voters: voters - 1)
        let failures = tolerance == 1 ? "1 failure" : "\(tolerance) failures"
        return "\(voters) voting members tolerate \(failures), as \(voters - 1) would, while every write waits for "
            + "\(size) of them instead of \(fewer.size); an odd size is cheaper for the same safety "
            + "(split \(voters / 2)–\(voters / 2), neither side has a quorum)"
    }
}
