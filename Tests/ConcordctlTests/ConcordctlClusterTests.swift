import Foundation
import ProcessTestSupport
import Testing

/// member, endpoint, alarm, defrag and move-leader through etcdctl 3.4 and concordctl against
/// the same server.
@Suite("cluster and maintenance commands as etcdctl does them")
struct ConcordctlClusterTests {
    /// The member's ID, hexadecimal, from the simple `member list` line.
    static func captureMemberID(_ output: String) -> [String: String] {
        guard let id = output.split(separator: ",").first.map(String.init), let value = UInt64(id, radix: 16) else {
            return [:]
        }
        return ["member": id, "memberDecimal": String(value)]
    }

    /// A new member's ID: hexadecimal in `Member <id> added`, decimal in JSON.
    static func captureAddedMember(_ output: String) -> [String: String] {
        guard let range = output.range(of: #""member":\{"ID":([0-9]+)"#, options: .regularExpression) else { return [:] }
        let decimal = String(output[range].dropFirst(#""member":{"ID":"#.count))
        guard let value = UInt64(decimal) else { return [:] }
        return ["learner": String(value, radix: 16), "learnerDecimal": decimal]
    }

    /// `took` differs from run to run, and with it the width of its table column.
    static func withoutDurations(_ text: String) -> String {
        text.replacingOccurrences(of: #"[0-9.]+(ns|µs|ms|s)"#, with: "T", options: .regularExpression)
            .replacingOccurrences(of: "-+", with: "-", options: .regularExpression)
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
    }

    /// The database grows as bbolt commits in the background, not as the commands say: its size
    /// and the size in use are left out, and so is the width of its table column.
    static func withoutDatabaseSize(_ text: String) -> String {
        text.replacingOccurrences(of: #"[0-9.]+ kB"#, with: "N kB", options: .regularExpression)
            .replacingOccurrences(of: #""dbSize(InUse)?":[0-9]+"#, with: #""dbSize$1":N"#, options: .regularExpression)
            .replacingOccurrences(of: #""DBSize(InUse)?" : [0-9]+"#, with: #""DBSize$1" : N"#, options: .regularExpression)
            .replacingOccurrences(of: "-+", with: "-", options: .regularExpression)
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
    }

    /// An added member's ID is random, and etcd lists members by ID: the members are compared
    /// in a fixed order (lines of a list, elements of a JSON members array), and `%16x` pads a
    /// shorter ID with a space.
    static func membersInOrder(_ text: String) -> String {
        var text = text.replacingOccurrences(of: "Member +", with: "Member ", options: .regularExpression)
        if let start = text.range(of: #""members":["#), let end = text.range(of: "]}", options: .backwards) {
            let members = text[start.upperBound..<end.lowerBound]
            let sorted = members.dropFirst().dropLast().components(separatedBy: "},{").sorted().joined(separator: "},{")
            text.replaceSubrange(start.upperBound..<end.lowerBound, with: "{" + sorted + "}")
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).sorted().joined(separator: "\n")
    }

    @Test("member list, endpoint status, hashkv and health print what etcdctl prints, with --cluster too")
    func membersAndEndpoints() async throws {
        var memberList = Step(["member", "list"])
        memberList.capture = Self.captureMemberID
        var steps: [Step] = [Step(["put", "a", "1"]), Step(["put", "b", "2"]), memberList]
        for format in ["json", "fields", "table", "protobuf"] {
            steps.append(Step(["member", "list", "-w", format]))
        }
        for command in [["endpoint", "status"], ["endpoint", "hashkv"]] {
            var variants = [command, command + ["--cluster"]]
            for format in ["json", "fields", "table"] {
                variants.append(command + ["-w", format])
                variants.append(["endpoint", "--cluster", command[1], "-w", format])
            }
            for arguments in variants {
                var step = Step(arguments)
                step.normalize = Self.withoutDatabaseSize
                steps.append(step)
            }
        }
        steps += [
            Step(["endpoint", "hashkv", "--rev", "2"]), Step(["endpoint", "status", "-w", "protobuf"]),
            Step(["endpoint", "status", "-w", "yaml"]),
        ]
        for arguments in [["endpoint", "health"], ["endpoint", "health", "--cluster"]] {
            for format in ["simple", "json", "fields", "table"] {
                var health = Step(arguments + ["-w", format])
                health.normalize = Self.withoutDurations
                steps.append(health)
            }
        }
        try await Comparison().expectSameOutcomes(steps)
    }

    @Test("an unreachable endpoint among good ones is reported as etcdctl reports it")
    func unreachableAmongGood() async throws {
        let comparison = try Comparison()
        let closed = "127.0.0.1:\(try FreePort.find())"
        let endpoints = "--endpoints=\(comparison.endpoint),\(closed)"
        var steps = [["endpoint", "status"], ["endpoint", "hashkv"], ["endpoint", "health"]].map {
            var step = Step([endpoints, "--command-timeout=2s"] + $0)
            step.usesServerEndpoint = false
            step.normalize = { Self.withoutDatabaseSize(Self.withoutDurations($0)) }
            return step
        }
        var defrag = Step(["--endpoints=\(closed)", "--command-timeout=1s", "defrag"])
        defrag.usesServerEndpoint = false
        steps.append(defrag)
        try await comparison.expectSameOutcomes(steps)
    }

    @Test("member add, update, promote and remove, alarm, defrag and move-leader print what etcdctl prints")
    func membershipAndMaintenance() async throws {
        var memberList = Step(["member", "list"])
        memberList.capture = Self.captureMemberID
        var add = Step(["member", "add", "learner", "--learner", "--peer-urls=http://127.0.0.1:1", "-w", "json"])
        add.capture = Self.captureAddedMember
        add.normalize = Self.membersInOrder
        let changes = [
            ["member", "list"], ["member", "list", "-w", "json"], ["member", "list", "-w", "fields"],
            ["member", "update", "{learner}", "--peer-urls=http://127.0.0.1:2"],
            ["member", "update", "{learner}", "--peer-urls=http://127.0.0.1:3", "-w", "json"],
            ["member", "update", "{learner}", "--peer-urls=http://127.0.0.1:3", "-w", "fields"],
            ["member", "promote", "{learner}"], ["member", "remove", "{learner}"],
            ["member", "remove", "{learner}"],
        ].map { arguments in
            var step = Step(arguments)
            step.normalize = Self.membersInOrder
            return step
        }
        try await Comparison().expectSameOutcomes([memberList, add] + changes + [
            Step(["member", "list", "-w", "table"]),
            Step(["member", "add"]),
            Step(["member", "add", "x"]),
            Step(["member", "remove"]),
            Step(["member", "remove", "zz"]),
            Step(["member", "promote"]),
            Step(["member", "update", "x"]),
            Step(["member", "update", "{member}"]),
            Step(["alarm", "list"]),
            Step(["alarm", "list", "-w", "json"]),
            Step(["alarm", "disarm"]),
            Step(["alarm", "disarm", "-w", "json"]),
            Step(["defrag"]),
            Step(["defrag", "--cluster"]),
            Step(["defrag", "-w", "json"]),
            Step(["move-leader", "{member}"]),
            Step(["move-leader", "{member}", "-w", "json"]),
            Step(["move-leader", "123"]),
            Step(["move-leader", "zz"]),
            Step(["move-leader"]),
        ])
    }
}
