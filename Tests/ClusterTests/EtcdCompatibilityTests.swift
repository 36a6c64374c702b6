import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("The same etcdctl session against Concord and etcd")
    struct EtcdCompatibilityTests {
        /// One etcdctl call of the session: arguments and standard input.
        struct Step: CustomStringConvertible {
            var arguments: [String]
            var input: String?
            var description: String { arguments.joined(separator: " ") }

            init(_ arguments: String..., input: String? = nil) {
                self.arguments = arguments
                self.input = input
            }
        }

        static let session: [Step] = [
            Step("put", "foo", "bar"), Step("put", "foo", "bar2", "--prev-kv"), Step("put", "a", "1"), Step("put", "b", "2"),
            Step("put", "c", "3"), Step("put", "dir/x", "10"), Step("put", "dir/y", "20"),
            Step("get", "foo"), Step("get", "foo", "-w", "json"), Step("get", "a", "c"), Step("get", "dir/", "--prefix"),
            Step("get", "", "--prefix", "--keys-only"), Step("get", "b", "--from-key"),
            Step("get", "", "--prefix", "--count-only", "-w", "json"), Step("get", "", "--prefix", "--limit", "2", "-w", "json"),
            Step("get", "foo", "--rev", "2"), Step("get", "", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"),
            Step("get", "", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "--print-value-only"),
            Step("get", "foo", "--consistency=s"), Step("get", "foo", "-w", "fields"), Step("get", "dir/", "--prefix", "-w", "table"),
            Step("del", "a"), Step("del", "dir/", "--prefix", "--prev-kv"), Step("del", "nothing"),
            Step("txn", input: "value(\"foo\") = \"bar2\"\n\nput foo txn-ok\n\nput foo txn-failed\n\n"),
            Step("txn", input: "mod(\"foo\") < \"2\"\n\nput foo no\n\nget foo\nput b 22\n\n"),
            Step("txn", "-w", "json", input: "version(\"b\") > \"0\"\n\nget b\ndel c\n\n\n"),
            Step("put", "foo", "--ignore-value"), Step("put", "missing", "--ignore-value"),
            Step("compaction", "5"), Step("get", "foo", "--rev", "3"), Step("compaction", "4"), Step("get", "foo", "--rev", "5", "-w", "json"),
            Step("put", "", "x"), Step("get", "foo", "--rev", "1000"),
            Step("member", "list", "-w", "table"), Step("endpoint", "health"), Step("endpoint", "status", "-w", "table"),
            Step("endpoint", "hashkv", "-w", "table"), Step("alarm", "list"),
        ]

        @Test("Every step of an etcdctl session answers the same on a 3-member Concord as on a 3-member etcd, revisions included")
        func sameSession() async throws {
            let etcd = try await EtcdCluster.start(size: 3)
            defer { etcd.stop() }
            let concord = try await ConcordCluster.start(size: 3)
            defer { concord.stop() }
            for step in Self.session {
                let fromEtcd = try await Etcdctl.run(step.arguments, endpoints: etcd.endpoints, input: step.input)
                let fromConcord = try await Etcdctl.run(step.arguments, endpoints: concord.endpoints, input: step.input)
                let expected = Self.normalized(fromEtcd, endpoints: etcd.endpoints)
                let actual = Self.normalized(fromConcord, endpoints: concord.endpoints)
                #expect(actual == expected, "etcdctl \(step)")
            }
        }

        /// What may differ: member and cluster IDs, terms, endpoints, sizes, hashes, timings,
        /// the raft index (etcd logs entries of its own), the version, and log lines on stderr.
        static func normalized(_ result: (status: Int32?, output: String, errors: String), endpoints: [String]) -> String {
            var text = result.output
            for (index, endpoint) in endpoints.enumerated() {
                text = text.replacingOccurrences(of: endpoint, with: "<endpoint\(index)>")
                let port = endpoint.split(separator: ":").last.map(String.init) ?? endpoint
                text = text.replacingOccurrences(of: port, with: "<port>")
            }
            let rules: [(String, String)] = [
                (#"\b[0-9a-f]{12,16}\b"#, "<id>"),  // %x drops leading zeros
                (#""(ClusterID|MemberID|RaftTerm)" : [0-9]+"#, "\"$1\" : <n>"),
                (#""(cluster_id|member_id|raft_term|leader|raft_index|raft_applied_index|dbSize|dbSizeInUse|hash|db_size|version)":"?[0-9a-zA-Z.]+"?"#, "\"$1\":<n>"),
                (#"took = [0-9.]+[a-zµ]+"#, "took = <t>"),
                (#"\| *[0-9][0-9.]* *(kB|MB|B) *\|"#, "| <size> |"),
                (#"\| +3\.4\.[0-9]+ +\|"#, "| <version> |"),
                (#"\| +[0-9]{4,10} +\|"#, "| <n> |"),
                (#"\| +[0-9]{1,3} +\| +[0-9]{1,3} +\|"#, "| <term> | <index> |"),
                (#"http://127\.0\.0\.1:[0-9]+"#, "<url>"),
                (#"\| +(true|false) +\| +false +\| <term> \| <index> \| +[0-9]+ +\|"#, "| <leader> | false | <term> | <index> | <applied> |"),
            ]
            for (pattern, template) in rules {
                text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
            }
            // Table columns are as wide as their widest cell: IDs of 12 to 16 digits move the borders.
        text = text.replacingOccurrences(of: " +", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "-+", with: "-", options: .regularExpression)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.contains(where: { $0.contains("<url>") }) { lines.sort() }
            let errors = result.errors.split(separator: "\n").filter { $0.hasPrefix("Error:") }.joined(separator: "\n")
            return "exit \(result.status.map(String.init) ?? "?")\n" + lines.joined(separator: "\n") + "\n" + errors
        }
    }
}
