import ProcessTestSupport
import Testing

/// put, get and del through etcdctl 3.4 and concordctl against the same server: same standard
/// output, same errors, same exit statuses, for every flag and output format.
@Suite("put, get and del as etcdctl does them")
struct ConcordctlKeyValueTests {
    static let setup: [Step] = [
        Step(["put", "foo", "bar"]),
        Step(["put", "foo", "baz", "--prev-kv"]),
        Step(["put", "foo", "-w", "json", "baz2", "--prev-kv"]),
        Step(["put", "foo", "qux", "--prev-kv", "-w", "fields"]),
        Step(["put", "a", "1"]),
        Step(["put", "ab", "2"]),
        Step(["put", "b", "3"]),
        Step(["put", "key with space", "tab\there \"quoted\" ünïcode"]),
        Step(["put", "from-stdin"], input: "a value\nread from standard input\n"),
        Step(["put", "k1", "--", "-starts-with-a-dash"]),
    ]

    @Test("every put flag and format prints what etcdctl prints")
    func putFlagsAndFormats() async throws {
        try await Comparison().expectSameOutcomes(
            Self.setup + [
                Step(["put", "foo", "protobuf", "-w", "protobuf"]),
                Step(["put", "foo", "--ignore-value", "--prev-kv"]),
                Step(["put", "foo", "--ignore-value", "-w", "json"]),
                Step(["put", "foo", "v", "--ignore-lease"]),
                Step(["put", "--prev-kv", "--write-out=fields", "foo", "again"]),
                Step(["-w", "json", "put", "global-flags-first", "v"]),
                Step(["--hex", "put", "foo", "hex", "--prev-kv"]),
                // Errors: etcdctl's texts and exit statuses.
                Step(["put", "", "x"]),
                Step(["put"]),
                Step(["put", "no-value"]),
                Step(["put", "missing", "--ignore-value"]),
                Step(["put", "missing", "--ignore-lease"]),
                Step(["put", "foo", "v", "--ignore-value"]),
                Step(["put", "foo", "v", "--lease=zz"]),
                Step(["put", "foo", "v", "--lease", "1234"]),
                Step(["put", "foo", "v", "-w", "table"]),
                Step(["put", "foo", "v", "-w", "yaml"]),
            ])
    }

    @Test("every get flag and format prints what etcdctl prints")
    func getFlagsAndFormats() async throws {
        let queries: [[String]] = [
            ["get", "foo"], ["get", "foo", "--rev", "2"], ["get", "foo", "--rev=3", "-w", "json"],
            ["get", "a", "--prefix"], ["get", "a", "--prefix", "-w", "json"], ["get", "a", "--prefix", "-w", "fields"],
            ["get", "a", "--prefix", "-w", "protobuf"], ["get", "a", "--prefix", "--write-out=json"],
            ["get", "a", "--from-key"], ["get", "a", "--from-key", "--keys-only"],
            ["get", "a", "--from-key", "--keys-only", "-w", "json"], ["get", "a", "--prefix", "--print-value-only"],
            ["get", "a", "--from-key", "--limit", "2", "-w", "json"], ["get", "a", "--from-key", "--limit=1"],
            ["get", "a", "--from-key", "--sort-by=key", "--order=DESCEND"],
            ["get", "a", "--from-key", "--sort-by", "CREATE", "--order", "ascend"],
            ["get", "a", "--from-key", "--sort-by=modify", "--order=descend", "--limit=2"],
            ["get", "a", "--from-key", "--sort-by=value", "--order=DESCEND"],
            ["get", "a", "--from-key", "--sort-by=version", "-w", "json"],
            ["get", "a", "--from-key", "--order=DESCEND"],
            ["get", "foo", "--hex"], ["get", "a", "--prefix", "--hex", "-w", "fields"],
            ["get", "a", "--prefix", "--hex", "-w", "json"], ["get", "a", "--prefix", "--hex", "--print-value-only"],
            ["get", "a", "c"], ["get", "a", "c", "-w", "fields"], ["get", "foo", "--consistency=s"],
            ["get", "foo", "--consistency", "l", "-w", "json"], ["get", "", "--prefix", "--keys-only"],
            ["get", "", "--from-key", "-w", "json"], ["get", "key with space", "-w", "fields"],
            ["get", "from-stdin"], ["get", "k1"], ["get", "nothing-here"], ["get", "nothing-here", "-w", "fields"],
            ["-w", "fields", "--hex", "get", "foo"],
            // Errors.
            ["get"], ["get", ""], ["get", "foo", "--rev", "100"], ["get", "a", "--sort-by=xx"],
            ["get", "a", "--order=up"], ["get", "a", "--consistency=x"], ["get", "a", "-w", "yaml"],
            ["get", "a", "-w", "table"], ["get", "a", "--prefix", "--from-key"], ["get", "a", "b", "--prefix"],
            ["get", "a", "b", "--from-key"],
        ]
        try await Comparison().expectSameOutcomes(Self.setup + queries.map { Step($0) })
    }

    @Test("del with its flags and formats, and compaction with its errors, print what etcdctl prints")
    func deleteAndCompaction() async throws {
        try await Comparison().expectSameOutcomes(
            Self.setup + [
                Step(["del", "nothing-here"]),
                Step(["del", "foo", "--prev-kv"]),
                Step(["del", "a", "--prefix", "-w", "json"]),
                Step(["put", "a", "again"]),
                Step(["del", "a", "--prefix", "--prev-kv", "-w", "fields"]),
                Step(["del", "b", "--from-key", "--prev-kv"]),
                Step(["del", "", "--prefix", "--hex", "--prev-kv"]),
                Step(["del", "x", "y", "-w", "protobuf"]),
                Step(["del"]),
                Step(["del", "x", "y", "z"]),
                Step(["del", "a", "--prefix", "--from-key"]),
                Step(["del", "a", "b", "--prefix"]),
                Step(["del", "a", "-w", "table"]),
                Step(["compaction", "3"]),
                Step(["compaction", "3"]),
                Step(["compaction", "3", "--physical"]),
                Step(["compaction", "--physical", "5"]),
                Step(["compaction", "1000"]),
                Step(["compaction"]),
                Step(["compaction", "x"]),
                Step(["get", "foo", "--rev", "2"]),
                Step(["get", "a", "--rev=4", "-w", "json"]),
            ])
    }

    @Test("an endpoint that is not there gives etcdctl's deadline error after the command timeout")
    func unreachableEndpoint() async throws {
        let closedPort = try FreePort.find()
        var step = Step(["--endpoints=127.0.0.1:\(closedPort)", "--command-timeout=1s", "get", "a"])
        step.usesServerEndpoint = false
        try await Comparison().expectSameOutcomes([step])
    }

    /// etcdctl 3.4 has no `--count-only`; concordctl has etcdctl 3.5's, for the fields format.
    @Test("get --count-only prints the count and no keys in the fields format, and refuses other formats")
    func countOnly() async throws {
        let outcomes = try await Comparison().run(
            Self.setup + [
                Step(["get", "a", "--prefix", "--count-only", "-w", "fields"]),
                Step(["get", "a", "--prefix", "--count-only"]),
            ], with: .concordctl)
        let fields = outcomes[outcomes.count - 2]
        #expect(fields.status == 0)
        #expect(fields.output.contains("\"Count\" : 2\n"))
        #expect(!fields.output.contains("\"Key\""))
        let simple = outcomes[outcomes.count - 1]
        #expect(simple.status == 128)
        #expect(simple.errors == "Error: --count-only is only for `--write-out=fields`\n")
    }
}
