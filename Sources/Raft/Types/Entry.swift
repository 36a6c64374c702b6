/// One slot of the replicated log.
///
/// The core never looks inside `data` of a `.normal` entry: that is the application's command.
/// A `.configChange` entry carries an encoded `ConfChange`, which takes effect on each member once
/// that member learns the entry is committed, as in etcd (see `ConfigurationLog` for why).
public struct Entry: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case normal = 0
        case configChange = 1
    }

    public var term: UInt64
    public var index: UInt64
    public var kind: Kind
    public var data: [UInt8]

    public init(term: UInt64, index: UInt64, kind: Kind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Bytes this entry counts for in message and batch limits: the payload plus a fixed header.
    @inlinable
    public var sizeInBytes: Int { data.count + 24 }
}

extension Array where Element == Entry {
    /// Total `sizeInBytes` of the entries.
    @inlinable
    public var sizeInBytes: Int {
        var total = 0
        for entry in self { total += entry.sizeInBytes }
        return total
    }
}
