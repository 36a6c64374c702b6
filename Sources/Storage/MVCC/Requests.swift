// The key-space requests and responses, field for field etcd's `etcdserverpb` messages (the
// gRPC layer maps between the two). Response `revision` is etcd's `header.revision`.

public struct RangeRequest: Equatable, Sendable {
    public enum SortOrder: Sendable { case none, ascend, descend }
    public enum SortTarget: Sendable { case key, version, create, mod, value }

    public var key: [UInt8]
    public var rangeEnd: [UInt8]
    /// At most this many keys; 0 is no limit.
    public var limit: Int64
    /// Read the key space as it was at this revision; 0 or less is the current revision.
    public var revision: Int64
    public var sortOrder: SortOrder
    public var sortTarget: SortTarget
    /// Answer from the local state without a ReadIndex round: the server's concern, carried here
    /// so the request is etcd's whole.
    public var serializable: Bool
    public var keysOnly: Bool
    public var countOnly: Bool
    public var minModRevision: Int64
    public var maxModRevision: Int64
    public var minCreateRevision: Int64
    public var maxCreateRevision: Int64

    public init(key: [UInt8], rangeEnd: [UInt8] = [], limit: Int64 = 0, revision: Int64 = 0,
                sortOrder: SortOrder = .none, sortTarget: SortTarget = .key, serializable: Bool = false,
                keysOnly: Bool = false, countOnly: Bool = false, minModRevision: Int64 = 0, maxModRevision: Int64 = 0,
                minCreateRevision: Int64 = 0, maxCreateRevision: Int64 = 0) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.limit = limit
        self.revision = revision
        self.sortOrder = sortOrder
        self.sortTarget = sortTarget
        self.serializable = serializable
        self.keysOnly = keysOnly
        self.countOnly = countOnly
        self.minModRevision = minModRevision
        self.maxModRevision = maxModRevision
        self.minCreateRevision = minCreateRevision
        self.maxCreateRevision = maxCreateRevision
    }
}

public struct RangeResponse: Equatable, Sendable {
    public var revision: Int64
    public var kvs: [KeyValue]
    /// More keys matched than `limit` let through.
    public var more: Bool
    /// How many keys the range holds (before `limit` and the revision filters).
    public var count: Int64

    public init(revision: Int64, kvs: [KeyValue], more: Bool, count: Int64) {
        self.revision = revision
        self.kvs = kvs
        self.more = more
        self.count = count
    }
}

public struct PutRequest: Equatable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var lease: Int64
    public var prevKV: Bool
    /// Keep the current value (the key must exist).
    public var ignoreValue: Bool
    /// Keep the current lease (the key must exist).
    public var ignoreLease: Bool

    public init(key: [UInt8], value: [UInt8], lease: Int64 = 0, prevKV: Bool = false, ignoreValue: Bool = false, ignoreLease: Bool = false) {
        self.key = key
        self.value = value
        self.lease = lease
        self.prevKV = prevKV
        self.ignoreValue = ignoreValue
        self.ignoreLease = ignoreLease
    }
}

public struct PutResponse: Equatable, Sendable {
    public var revision: Int64
    public var prevKV: KeyValue?

    public init(revision: Int64, prevKV: KeyValue?) {
        self.revision = revision
        self.prevKV = prevKV
    }
}

public struct DeleteRangeRequest: Equatable, Sendable {
    public var key: [UInt8]
    public var rangeEnd: [UInt8]
    public var prevKV: Bool

    public init(key: [UInt8], rangeEnd: [UInt8] = [], prevKV: Bool = false) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.prevKV = prevKV
    }
}

public struct DeleteRangeResponse: Equatable, Sendable {
    public var revision: Int64
    public var deleted: Int64
    public var prevKVs: [KeyValue]

    public init(revision: Int64, deleted: Int64, prevKVs: [KeyValue]) {
        self.revision = revision
        self.deleted = deleted
        self.prevKVs = prevKVs
    }
}

/// One condition of a Txn (etcd's `Compare`).
public struct Compare: Equatable, Sendable {
    public enum Result: Sendable { case equal, greater, less, notEqual }
    public enum Target: Equatable, Sendable {
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case value([UInt8])
        case lease(Int64)
    }

    public var result: Result
    public var target: Target
    public var key: [UInt8]
    public var rangeEnd: [UInt8]

    public init(key: [UInt8], rangeEnd: [UInt8] = [], target: Target, result: Result) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.target = target
        self.result = result
    }
}

public indirect enum RequestOp: Equatable, Sendable {
    case range(RangeRequest)
    case put(PutRequest)
    case deleteRange(DeleteRangeRequest)
    case txn(TxnRequest)
}

public indirect enum ResponseOp: Equatable, Sendable {
    case range(RangeResponse)
    case put(PutResponse)
    case deleteRange(DeleteRangeResponse)
    case txn(TxnResponse)
}

public struct TxnRequest: Equatable, Sendable {
    public var compare: [Compare]
    public var success: [RequestOp]
    public var failure: [RequestOp]

    public init(compare: [Compare] = [], success: [RequestOp] = [], failure: [RequestOp] = []) {
        self.compare = compare
        self.success = success
        self.failure = failure
    }
}

public struct TxnResponse: Equatable, Sendable {
    public var revision: Int64
    public var succeeded: Bool
    public var responses: [ResponseOp]

    public init(revision: Int64, succeeded: Bool, responses: [ResponseOp]) {
        self.revision = revision
        self.succeeded = succeeded
        self.responses = responses
    }
}
