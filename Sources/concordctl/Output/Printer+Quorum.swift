import EtcdAPI

extension Printer {
    /// `endpoint quorum`: the members (one line each, or a table), then the summary.
    func quorum(_ report: QuorumReport) throws(CtlError) -> Text {
        let rows: [[String]] = report.members.map { (member: QuorumReport.Member) -> [String] in
            let endpoint = member.member.clientUrls.first ?? ""
            let state: String
            switch member.status {
            case .success: state = "up"
            case .failure(let error): state = "down (\(error.message))"
            }
            return [
                GoHex.hex(member.member.id), member.name, member.isVoter ? "voter" : "learner",
                String(member.member.id == report.leader), endpoint, state,
            ]
        }
        var text = Text()
        switch self.format {
        case .simple:
            for row in rows { text.line(row.joined(separator: ", ")) }
        case .table:
            var table = Table(header: ["ID", "Name", "Role", "Is Leader", "Endpoint", "Reachable"])
            table.rows = rows
            text.append(table.rendered)
        case .json:
            let members: [JSONValue] = report.members.map { member in
                .object([
                    ("ID", .uint(member.member.id)), ("Name", .string(member.member.name)),
                    ("IsLearner", .bool(member.member.isLearner)), ("IsLeader", .bool(member.member.id == report.leader)),
                    ("ClientURLs", .array(member.member.clientUrls.map { .string($0) })), ("Reachable", .bool(member.isUp)),
                ])
            }
            let quorum = report.quorum
            text.line(JSONValue.object([
                ("Members", .array(members)), ("VotingMembers", .int(Int64(quorum.voters))),
                ("Learners", .int(Int64(report.learners))), ("QuorumSize", .int(Int64(quorum.size))),
                ("ReachableVotingMembers", .int(Int64(report.votersUp))),
                ("FailuresTolerated", .int(Int64(quorum.tolerance(up: report.votersUp)))),
                ("FailuresToleratedAtFullStrength", .int(Int64(quorum.tolerance))),
                ("Summary", .array(report.summary.map { .string($0) })),
            ]).rendered)
            return text
        case .fields, .protobuf: throw CtlError.unsupported(self.format)
        }
        for line in report.summary { text.line(line) }
        return text
    }
}
