import Testing

/// lease commands through etcdctl 3.4 and concordctl. A lease's ID is new each run, so it is
/// captured from `lease grant` and shown as `{lease}`; remaining TTLs may differ by a second.
/// One key only is attached: etcd lists a lease's keys in no fixed order.
@Suite("lease as etcdctl does it")
struct ConcordctlLeaseTests {
    static func grant(_ ttl: String, name: String) -> Step {
        var step = Step(["lease", "grant", ttl])
        step.capture = { output in
            guard output.hasPrefix("lease "), let hex = output.split(separator: " ").dropFirst().first,
                let value = Int64(hex, radix: 16)
            else { return [:] }
            return [name: String(hex), name + "Decimal": String(value)]
        }
        return step
    }

    static func withoutRemainingTTL(_ text: String) -> String {
        text.replacingOccurrences(of: #"remaining\([0-9]+s\)"#, with: "remaining(Ns)", options: .regularExpression)
            .replacingOccurrences(of: #""ttl":[0-9]+"#, with: #""ttl":N"#, options: .regularExpression)
            .replacingOccurrences(of: #""TTL" : [0-9]+"#, with: #""TTL" : N"#, options: .regularExpression)
    }

    @Test("grant, timetolive, keep-alive --once, list and revoke print what etcdctl prints")
    func lifecycle() async throws {
        let timeToLive: [Step] = [
            Step(["lease", "timetolive", "{lease}"]),
            Step(["lease", "timetolive", "{lease}", "--keys"]),
            Step(["lease", "timetolive", "{lease}", "--keys", "-w", "json"]),
            Step(["lease", "timetolive", "{lease}", "--keys", "-w", "fields"]),
        ].map { step in
            var step = step
            step.normalize = Self.withoutRemainingTTL
            return step
        }
        try await Comparison().expectSameOutcomes(
            [
                Self.grant("100", name: "lease"),
                Step(["put", "leased", "v", "--lease={lease}"]),
                Step(["put", "leased", "w", "--lease", "{lease}"]),
                Step(["get", "leased", "-w", "json"]),
            ] + timeToLive + [
                Step(["lease", "keep-alive", "--once", "{lease}"]),
                Step(["lease", "keep-alive", "{lease}", "--once", "-w", "json"]),
                Step(["lease", "keep-alive", "--once", "{lease}", "-w", "fields"]),
                Step(["lease", "list"]),
                Step(["lease", "list", "-w", "json"]),
                Step(["lease", "list", "-w", "fields"]),
                Step(["lease", "revoke", "{lease}"]),
                Step(["get", "leased"]),
                Step(["lease", "revoke", "{lease}"]),
                Step(["lease", "timetolive", "{lease}"]),
                Step(["lease", "timetolive", "{lease}", "-w", "json"]),
                Step(["lease", "keep-alive", "--once", "{lease}"]),
                Step(["lease", "list"]),
                Step(["lease", "grant"]),
                Step(["lease", "grant", "x"]),
                Step(["lease", "grant", "10", "-w", "table"]),
                Step(["lease", "revoke"]),
                Step(["lease", "revoke", "zz"]),
                Step(["lease", "timetolive"]),
                Step(["lease", "keep-alive"]),
            ])
    }

    @Test("grant in the json and fields formats prints what etcdctl prints")
    func grantFormats() async throws {
        var json = Self.grant("60", name: "unused")
        json.arguments += ["-w", "json"]
        json.normalize = { $0.replacingOccurrences(of: #""ID":[0-9]+"#, with: #""ID":N"#, options: .regularExpression) }
        var fields = Step(["lease", "grant", "60", "-w", "fields"])
        fields.normalize = { $0.replacingOccurrences(of: #""ID" : [0-9]+"#, with: #""ID" : N"#, options: .regularExpression) }
        try await Comparison().expectSameOutcomes([json, fields])
    }
}
