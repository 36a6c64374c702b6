/// A point in the history: `main` is the cluster revision of a write request, `sub` the place
/// of a change inside it (a Txn that changes three keys makes `main`.0, .1, .2). etcd's
/// `revision{main, sub}`.
public struct Revision: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var main: Int64
    public var sub: Int64

    public init(main: Int64, sub: Int64 = 0) {
        precondition(main >= 0 && sub >= 0, "negative revision \(main).\(sub)")
        self.main = main
        self.sub = sub
    }

    public static func < (a: Revision, b: Revision) -> Bool {
        (a.main, a.sub) < (b.main, b.sub)
    }

    public var description: String { "\(main).\(sub)" }

    /// 16 bytes, big-endian: LMDB's byte order is revision order.
    static let encodedBytes = 16

    var bytes: [UInt8] {
        var writer = ByteWriter(capacity: Revision.encodedBytes)
        writer.appendBigEndian(UInt64(main))
        writer.appendBigEndian(UInt64(sub))
        return writer.bytes
    }

    init(decoding buffer: UnsafeRawBufferPointer) throws {
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: buffer.prefix(Revision.encodedBytes)), what: "revision")
        let main = try reader.readBigEndian(UInt64.self)
        let sub = try reader.readBigEndian(UInt64.self)
        guard main <= UInt64(Int64.max), sub <= UInt64(Int64.max) else { throw StorageError.corrupted("revision \(main).\(sub)") }
        self.init(main: Int64(main), sub: Int64(sub))
    }
}
