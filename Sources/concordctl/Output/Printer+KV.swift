import EtcdAPI

/// put, get, del, txn and watch output.
extension Printer {
    func put(_ response: Etcdserverpb_PutResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            text.line("OK")
            if response.hasPrevKv { self.appendKeyValue(response.prevKv, to: &text) }
        case .json: return self.json(EtcdJSON.put(response))
        case .fields:
            Fields.header(response.header, into: &text)
            if response.hasPrevKv { Fields.keyValue(response.prevKv, prefix: "Prev", into: &text) }
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    /// - Parameter countOnly: `get --count-only` prints the count alone in the simple format.
    func get(_ response: Etcdserverpb_RangeResponse, countOnly: Bool = false) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            if countOnly { text.line(String(response.count)) }
            for kv in response.kvs { self.appendKeyValue(kv, to: &text) }
        case .json: return self.json(EtcdJSON.range(response))
        case .fields:
            Fields.header(response.header, into: &text)
            for kv in response.kvs { Fields.keyValue(kv, into: &text) }
            text.line("\"More\" : \(response.more)")
            text.line("\"Count\" : \(response.count)")
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    func delete(_ response: Etcdserverpb_DeleteRangeResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            text.line(String(response.deleted))
            for kv in response.prevKvs { self.appendKeyValue(kv, to: &text) }
        case .json: return self.json(EtcdJSON.deleteRange(response))
        case .fields:
            Fields.header(response.header, into: &text)
            text.line("\"Deleted\" : \(response.deleted)")
            for kv in response.prevKvs { Fields.keyValue(kv, prefix: "Prev", into: &text) }
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    /// SUCCESS or FAILURE, then each response of the branch that ran (simple: each after an
    /// empty line).
    func txn(_ response: Etcdserverpb_TxnResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            text.line(response.succeeded ? "SUCCESS" : "FAILURE")
            for op in response.responses {
                text.line()
                text.append(try self.responseOp(op))
            }
        case .json: return self.json(EtcdJSON.txn(response))
        case .fields:
            Fields.header(response.header, into: &text)
            text.line("\"Succeeded\" : \(response.succeeded)")
            for op in response.responses { text.append(try self.responseOp(op)) }
        case .protobuf: return try self.protobuf(response)
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    private func responseOp(_ op: Etcdserverpb_ResponseOp) throws -> Text {
        switch op.response {
        case .responseRange(let range): return try self.get(range)
        case .responsePut(let put): return try self.put(put)
        case .responseDeleteRange(let deleted): return try self.delete(deleted)
        case .responseTxn(let txn): return try self.txn(txn)
        case nil: return Text()
        }
    }

    func watch(_ response: Etcdserverpb_WatchResponse) throws -> Text {
        var text = Text()
        switch self.format {
        case .simple:
            for event in response.events {
                text.line(Self.eventType(event))
                if event.hasPrevKv { self.appendKeyValue(event.prevKv, to: &text) }
                self.appendKeyValue(event.kv, to: &text)
            }
        case .json: return self.json(EtcdJSON.watch(response))
        case .fields:
            Fields.header(response.header, into: &text)
            for event in response.events {
                text.line("\"Type\" : \(Self.eventType(event))")
                if event.hasPrevKv { Fields.keyValue(event.prevKv, prefix: "Prev", into: &text) }
                Fields.keyValue(event.kv, into: &text)
            }
        case .protobuf:
            for event in response.events { text.append(try self.protobuf(event)) }
        case .table: throw CtlError.unsupported(self.format)
        }
        return text
    }

    private static func eventType(_ event: Mvccpb_Event) -> String {
        switch event.type {
        case .put: "PUT"
        case .delete: "DELETE"
        case .UNRECOGNIZED(let value): String(value)
        }
    }
}
