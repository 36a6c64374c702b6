import Testing

/// txn through etcdctl 3.4 and concordctl: the same transaction text on standard input gives
/// the same result, in every format, and the same errors for malformed input.
@Suite("txn as etcdctl does it")
struct ConcordctlTxnTests {
    @Test("transactions from standard input, interactive or not, print what etcdctl prints")
    func transactions() async throws {
        let succeeding = """
            value("k1") = "v1"
            mod("k1") > "0"

            put k1 v2
            get k1

            del k1
            put k3 "with space"


            """
        let failing = """
            create("k5") != "0"
            version("k5") < "5"
            ver("k1") = "2"
            c("k1") > "1"
            m("k1") < "100"
            val("k1") != "v1"

            get k --prefix --limit=1

            put x y --prev-kv
            get k --prefix --keys-only
            del k3 --prev-kv
            put "q 2" "a\\tb\\x41"


            """
        try await Comparison().expectSameOutcomes([
            Step(["put", "k1", "v1"]),
            Step(["txn"], input: succeeding),
            Step(["put", "k1", "v1"]),
            Step(["txn", "-w", "json"], input: succeeding),
            Step(["put", "k1", "v1"]),
            Step(["txn", "-w", "fields"], input: succeeding),
            Step(["txn"], input: failing),
            Step(["txn", "-w", "json"], input: failing),
            Step(["txn", "-w", "fields"], input: failing),
            Step(["txn", "-w", "protobuf"], input: failing),
            Step(["txn", "-i"], input: "\n\nput k5 x\n\n"),
            Step(["txn", "--interactive", "-w", "json"], input: "value(\"k5\") = \"x\"\n\ndel k5\n\n\n"),
            Step(["get", "", "--prefix"]),
        ])
    }

    @Test("malformed transactions fail with etcdctl's messages and exit statuses")
    func malformed() async throws {
        let inputs = [
            "value(\"k1\") = \"v1\"\n\nput k1 v2\n",
            "bogus\n\n\n\n",
            "xx(\"k1\") = \"v1\"\n\n\n\n",
            "mod(\"k1\") = \"abc\"\n\n\n\n",
            "mod(\"k1\") =\n\n\n\n",
            "value(\"k1\")=\"v2\"\n\n\n\n",
            "\n\nfoo bar\n\n\n",
            "\n\nput\n\n\n",
            "\n\nput a\n\n\n",
            "\n\nget a --sort-by=x\n\n\n",
            "\n\nget \"\"\n\n\n",
            "",
        ]
        let commandLineErrors = [
            Step(["txn", "extra"], input: "\n\n\n"), Step(["txn", "-w", "table"], input: "\n\n\n"),
        ]
        try await Comparison().expectSameOutcomes(inputs.map { Step(["txn"], input: $0) } + commandLineErrors)
    }
}
