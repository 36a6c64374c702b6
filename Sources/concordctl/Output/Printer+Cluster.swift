import EtcdAPI
import GoText

/// member, endpoint, alarm and move-leader output.
extension Printer {
    func memberList(_ response: Etcdserverpb_MemberListResponse) throws -> Text {
        switch self.format {
        case .simple: return Self.commaSeparated(Self.memberRows(response.members))
        case .json:
            return self.json(
                EtcdJSON.members(header: response.hasHeader ? response.header : nil, members: response.members))
        case .fields:
            var text = Text()
            Fields.header(response.header, into: &text)
            for member in response.members {
                text.line("\"ID\" : \(member.id)")
                text.line("\"Name\" : \(GoQuote.quote(member.name))")
                for url in member.peerUrls { text.line("\"PeerURL\" : \(GoQuote.quote(url))") }
                for url in member.clientUrls { text.line("\"ClientURL\" : \(GoQuote.quote(url))") }
                text.line("\"IsLearner\" : \(member.isLearner)")
                text.line()
            }
            return text
        case .table:
            var table = Table(header: ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"])
            table.rows = Self.memberRows(response.members)
            return table.rendered
        case .protobuf: return try self.protobuf(response)
        }
    }

    /// The simple format of a table: each row's cells joined by ", ".
    private static func commaSeparated(_ rows: [[String]]) -> Text {
        var text = Text()
        for row in rows { text.line(row.joined(separator: ", ")) }
        return text
    }

    private static func memberRows(_ members: [Etcdserverpb_Member]) -> [[String]] {
        members.map { (member: Etcdserverpb_Member) -> [String] in
            [
                GoHex.hex(member.id), member.name.isEmpty ? "unstarted" : "started", member.name,
                member.peerUrls.joined(separator: ","), member.clientUrls.joined(separator: ","),
                String(member.isLearner),
            ]
        }
    }

    /// member add, remove, update and promote: one line in the simple format, the response in
    /// JSON, nothing else.
    func memberChange(
        _ simpleLine: String, header: Etcdserverpb_ResponseHeader?, member: Etcdserverpb_Member? = nil,
        members: [Etcdserverpb_Member]
    ) throws -> Text {
        switch self.format {
        case .simple:
            var text = Text()
            text.line(simpleLine)
            return text
        case .json: return self.json(EtcdJSON.members(header: header, member: member, members: members))
        case .fields, .table, .protobuf: throw CtlError.unsupported(self.format)
        }
    }

    func endpointStatus(_ statuses: [EndpointResult<Etcdserverpb_StatusResponse>]) throws -> Text {
        let rows: [[String]] = statuses.map { (status: EndpointResult<Etcdserverpb_StatusResponse>) -> [String] in
            let response = status.response
            return [
                status.endpoint, GoHex.hex(response.header.memberID), response.version,
                Humanize.bytes(UInt64(max(0, response.dbSize))), String(response.leader == response.header.memberID),
                String(response.isLearner), String(response.raftTerm), String(response.raftIndex),
                String(response.raftAppliedIndex), response.errors.joined(separator: ", "),
            ]
        }
        switch self.format {
        case .simple: return Self.commaSeparated(rows)
        case .json:
            let list: [JSONValue] = statuses.map { (status: EndpointResult<Etcdserverpb_StatusResponse>) -> JSONValue in
                JSONValue.object([("Endpoint", JSONValue.string(status.endpoint)), ("Status", EtcdJSON.status(status.response))])
            }
            return self.json(.array(list))
        case .fields:
            var text = Text()
            for status in statuses {
                let response = status.response
                Fields.header(response.header, into: &text)
                text.line("\"Version\" : \(GoQuote.quote(response.version))")
                text.line("\"DBSize\" : \(response.dbSize)")
                text.line("\"Leader\" : \(response.leader)")
                text.line("\"IsLearner\" : \(response.isLearner)")
                text.line("\"RaftIndex\" : \(response.raftIndex)")
                text.line("\"RaftTerm\" : \(response.raftTerm)")
                text.line("\"RaftAppliedIndex\" : \(response.raftAppliedIndex)")
                text.line("\"Errors\" : \(Fields.list(response.errors))")
                text.line("\"Endpoint\" : \(GoQuote.quote(status.endpoint))")
                text.line()
            }
            return text
        case .table:
            var table = Table(header: [
                "endpoint", "ID", "version", "db size", "is leader", "is learner", "raft term", "raft index",
                "raft applied index", "errors",
            ])
            table.rows = rows
            return table.rendered
        case .protobuf: throw CtlError.unsupported(self.format)
        }
    }

    func endpointHashKV(_ hashes: [EndpointResult<Etcdserverpb_HashKVResponse>]) throws -> Text {
        let rows: [[String]] = hashes.map { [$0.endpoint, String($0.response.hash)] }
        switch self.format {
        case .simple: return Self.commaSeparated(rows)
        case .json:
            let list: [JSONValue] = hashes.map { (hash: EndpointResult<Etcdserverpb_HashKVResponse>) -> JSONValue in
                JSONValue.object([("Endpoint", JSONValue.string(hash.endpoint)), ("HashKV", EtcdJSON.hashKV(hash.response))])
            }
            return self.json(.array(list))
        case .fields:
            var text = Text()
            for hash in hashes {
                Fields.header(hash.response.header, into: &text)
                text.line("\"Endpoint\" : \(GoQuote.quote(hash.endpoint))")
                text.line("\"Hash\" : \(hash.response.hash)")
                text.line()
            }
            return text
        case .table:
            var table = Table(header: ["endpoint", "hash"])
            table.rows = rows
            return table.rendered
        case .protobuf: throw CtlError.unsupported(self.format)
        }
    }

    /// - Returns: what goes to standard output and what to standard error (etcdctl 3.4 prints the
    ///   simple format's health lines on standard error).
    func endpointHealth(_ results: [EndpointHealth]) throws -> (output: Text, errors: Text) {
        switch self.format {
        case .simple:
            var errors = Text()
            for result in results {
                if result.isHealthy {
                    errors.line("\(result.endpoint) is healthy: successfully committed proposal: took = \(result.took)")
                } else {
                    errors.line("\(result.endpoint) is unhealthy: failed to commit proposal: \(result.error)")
                }
            }
            return (Text(), errors)
        case .json:
            let list: [JSONValue] = results.map { (result: EndpointHealth) -> JSONValue in
                var object = JSONObject()
                object.always("endpoint", JSONValue.string(result.endpoint))
                object.always("health", JSONValue.bool(result.isHealthy))
                object.always("took", JSONValue.string(result.took))
                object.omitEmpty("error", result.error)
                return object.value
            }
            return (self.json(.array(list)), Text())
        case .fields:
            var text = Text()
            for result in results {
                text.line("\"Endpoint\" : \(GoQuote.quote(result.endpoint))")
                text.line("\"Health\" : \(result.isHealthy)")
                text.line("\"Took\" : \(result.took)")
                text.line("\"Error\" : \(result.error)")
                text.line()
            }
            return (text, Text())
        case .table:
            var table = Table(header: ["endpoint", "health", "took", "error"])
            table.rows = results.map { (result: EndpointHealth) -> [String] in
                [result.endpoint, String(result.isHealthy), result.took, result.error]
            }
            return (table.rendered, Text())
        case .protobuf: throw CtlError.unsupported(self.format)
        }
    }

    func alarm(_ response: Etcdserverpb_AlarmResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            // Go's `%+v` of the gogoproto message is its compact text form.
            for alarm in response.alarms {
                text.line("memberID:\(alarm.memberID) alarm:\(Self.alarmName(alarm.alarm)) ")
            }
        case .json: return self.json(EtcdJSON.alarm(response))
        case .fields:
            Fields.header(response.header, into: &text)
            for alarm in response.alarms {
                text.line("\"MemberID\" : \(alarm.memberID)")
                text.line("\"AlarmType\" : \(Self.alarmName(alarm.alarm))")
                text.line()
            }
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    private static func alarmName(_ alarm: Etcdserverpb_AlarmType) -> String {
        switch alarm {
        case .none: "NONE"
        case .nospace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .UNRECOGNIZED(let value): String(value)
        }
    }

    func moveLeader(from leader: UInt64, to target: UInt64, _ response: Etcdserverpb_MoveLeaderResponse) throws -> Text {
        switch self.format {
        case .simple:
            var text = Text()
            text.line("Leadership transferred from \(GoHex.hex(leader)) to \(GoHex.hex(target))")
            return text
        case .json: return self.json(EtcdJSON.headerOnly(response.hasHeader ? response.header : nil))
        case .fields:
            var text = Text()
            Fields.header(response.header, into: &text)
            return text
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
    }
}
