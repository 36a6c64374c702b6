import Testing

/// watch through etcdctl 3.4 and concordctl: the same events printed the same way.
@Suite("watch as etcdctl does it")
struct ConcordctlWatchTests {
    static func watch(_ arguments: [String], lines: Int, meanwhile: [[String]] = []) -> Step {
        var step = Step(["watch"] + arguments)
        step.stopAfterLines = lines
        step.meanwhile = meanwhile
        return step
    }

    @Test("watched events, past and live, print what etcdctl prints in every format")
    func events() async throws {
        try await Comparison().expectSameOutcomes([
            Step(["put", "w1", "a"]),
            Step(["put", "w2", "b"]),
            Step(["del", "w1"]),
            Step(["put", "other", "c"]),
            Self.watch(["w", "--prefix", "--rev=2"], lines: 9),
            Self.watch(["w", "--prefix", "--rev", "2", "-w", "json"], lines: 1),
            Self.watch(["w", "--prefix", "--rev=2", "-w", "fields"], lines: 25),
            Self.watch(["w", "--prefix", "--rev=2", "--prev-kv"], lines: 11),
            Self.watch(["w", "--prefix", "--rev=2", "--hex"], lines: 9),
            Self.watch(["w1", "w3", "--rev=1"], lines: 9),
            Self.watch(["w2", "--rev=1"], lines: 3),
            Self.watch(["live", "--rev=6"], lines: 6, meanwhile: [["put", "live", "1"], ["put", "live", "2"]]),
            Step(["watch"]),
            Step(["watch", "a", "b", "--prefix"]),
            Step(["compaction", "4"]),
            Step(["watch", "w", "--prefix", "--rev=1"]),
            Step(["watch", "w", "--prefix", "--rev=1", "-w", "json"]),
        ])
    }
}
