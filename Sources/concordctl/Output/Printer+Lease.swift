import EtcdAPI
import GoText

/// lease output. clientv3's lease responses embed the header, so their JSON is flat, and their
/// field names are clientv3's (`ID`, `TTL`, `granted-ttl`), not the proto's.
extension Printer {
    func leaseGrant(_ response: Etcdserverpb_LeaseGrantResponse) throws -> Text {
        switch self.format {
        case .simple:
            var text = Text()
            text.line("lease \(GoHex.zeroPadded(response.id)) granted with TTL(\(response.ttl)s)")
            return text
        case .json:
            var object = JSONObject(headerFields: response.hasHeader ? response.header : nil)
            object.always("ID", .int(response.id))
            object.always("TTL", .int(response.ttl))
            object.always("Error", .string(response.error))
            return self.json(object.value)
        case .fields:
            var text = Text()
            Fields.header(response.header, into: &text)
            text.line("\"ID\" : \(response.id)")
            text.line("\"TTL\" : \(response.ttl)")
            return text
        case .table, .protobuf: throw CtlError.unsupported(self.format)
        }
    }

    func leaseRevoke(_ id: Int64, _ response: Etcdserverpb_LeaseRevokeResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple: text.line("lease \(GoHex.zeroPadded(id)) revoked")
        case .json: return self.json(EtcdJSON.headerOnly(response.hasHeader ? response.header : nil))
        case .fields: Fields.header(response.header, into: &text)
        case .table, .protobuf: throw CtlError.unsupported(self.format)
        }
        return text
    }

    func leaseKeepAlive(_ response: Etcdserverpb_LeaseKeepAliveResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple: text.line("lease \(GoHex.zeroPadded(response.id)) keepalived with TTL(\(response.ttl))")
        case .json:
            var object = JSONObject(headerFields: response.hasHeader ? response.header : nil)
            object.always("ID", .int(response.id))
            object.always("TTL", .int(response.ttl))
            return self.json(object.value)
        case .fields:
            Fields.header(response.header, into: &text)
            text.line("\"ID\" : \(response.id)")
            text.line("\"TTL\" : \(response.ttl)")
        case .table, .protobuf: throw CtlError.unsupported(self.format)
        }
        return text
    }

    func leaseTimeToLive(_ response: Etcdserverpb_LeaseTimeToLiveResponse, keys: Bool) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            if response.grantedTtl == 0 && response.ttl == -1 {
                text.line("lease \(GoHex.zeroPadded(response.id)) already expired")
                return text
            }
            var line =
                "lease \(GoHex.zeroPadded(response.id)) granted with TTL(\(response.grantedTtl)s), remaining(\(response.ttl)s)"
            if keys {
                // Go's `%v` of a []string.
                line += ", attached keys(\(Fields.list(response.keys.map { String(decoding: $0, as: UTF8.self) })))"
            }
            text.line(line)
        case .json:
            var object = JSONObject(headerFields: response.hasHeader ? response.header : nil)
            object.always("id", .int(response.id))
            object.always("ttl", .int(response.ttl))
            object.always("granted-ttl", .int(response.grantedTtl))
            object.always("keys", JSONValue.byteArrays(response.keys))
            return self.json(object.value)
        case .fields:
            Fields.header(response.header, into: &text)
            text.line("\"ID\" : \(response.id)")
            text.line("\"TTL\" : \(response.ttl)")
            text.line("\"GrantedTTL\" : \(response.grantedTtl)")
            for key in response.keys { text.line("\"Key\" : \(GoQuote.quote(key))") }
        case .table, .protobuf: throw CtlError.unsupported(self.format)
        }
        return text
    }

    func leaseList(_ response: Etcdserverpb_LeaseLeasesResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            text.line("found \(response.leases.count) leases")
            for lease in response.leases { text.line(GoHex.zeroPadded(lease.id)) }
        case .json:
            var object = JSONObject(headerFields: response.hasHeader ? response.header : nil)
            let leases: [JSONValue] = response.leases.map { JSONValue.object([("id", JSONValue.int($0.id))]) }
            object.always("leases", .array(leases))
            return self.json(object.value)
        case .fields:
            Fields.header(response.header, into: &text)
            for lease in response.leases { text.line("\"ID\" : \(lease.id)") }
        case .table, .protobuf: throw CtlError.unsupported(self.format)
        }
        return text
    }
}
