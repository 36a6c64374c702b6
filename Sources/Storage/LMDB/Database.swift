import CLMDB

/// A named database inside an environment. Opened once when the environment opens, then valid
/// for every transaction of that environment (LMDB: "the handle may be used by other
/// transactions after this transaction commits").
public struct Database: Sendable, Hashable {
    let handle: MDB_dbi
    public let name: String
}

/// How a named database keeps its keys and values.
public struct DatabaseFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Several sorted values per key (`MDB_DUPSORT`).
    public static let duplicateSort = DatabaseFlags(rawValue: UInt32(MDB_DUPSORT))
    /// With `duplicateSort`: every value of the database has the same size (`MDB_DUPFIXED`).
    public static let duplicateFixed = DatabaseFlags(rawValue: UInt32(MDB_DUPFIXED))
}

/// How a put treats an existing key.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The key is greater than every key held (`MDB_APPEND`): the log pattern, no page splits.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// In a `duplicateSort` database, do nothing when this exact key and value exist.
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
    /// In a `duplicateSort` database, the key and value are greater than every pair held
    /// (`MDB_APPENDDUP`): loading a sorted copy.
    public static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
}

/// Page counts of one database (`mdb_stat`).
public struct DatabaseStatistics: Sendable, Equatable {
    public var entries: Int
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    public var overflowPages: Int
    public var pageSize: Int

    /// Bytes of live pages this database occupies.
    public var bytes: Int { (branchPages + leafPages + overflowPages) * pageSize }
}
