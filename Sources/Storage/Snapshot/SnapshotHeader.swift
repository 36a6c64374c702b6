import Checksums
import Raft

/// The fixed part of a snapshot file, before the LZ4 frame that holds a compacted copy of the
/// state environment. All integers little-endian; the last 4 bytes are a CRC-32C of the rest.
///
///     magic "CONCSNAP" | format u32 | header bytes u32 | raft index u64 | raft term u64 |
///     revision i64 | compact revision i64 | keys u64 | created (ms since 1970) i64 |
///     data bytes u64 | frame bytes u64 | voters u32, ids u64… | learners u32, ids u64… | crc32c u32
public struct SnapshotHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("CONCSNAP".utf8)
    public static let formatVersion: UInt32 = 1
    /// Bound on members in a header read from a file, so a damaged count cannot ask for gigabytes.
    static let membersMax = 1024

    /// The Raft entry the state reflects (the state environment's applied index and its term).
    public var raftIndex: UInt64
    public var raftTerm: UInt64
    public var confState: ConfState
    public var revision: Int64
    public var compactRevision: Int64
    public var keyCount: UInt64
    public var createdAtMilliseconds: Int64
    /// Size of the compacted LMDB copy, uncompressed.
    public var dataBytes: UInt64
    /// Size of the LZ4 frame that follows the header.
    public var frameBytes: UInt64

    public init(raftIndex: UInt64, raftTerm: UInt64, confState: ConfState, revision: Int64, compactRevision: Int64,
                keyCount: UInt64, createdAtMilliseconds: Int64, dataBytes: UInt64, frameBytes: UInt64) {
        self.raftIndex = raftIndex
        self.raftTerm = raftTerm
        self.confState = confState
        self.revision = revision
        self.compactRevision = compactRevision
        self.keyCount = keyCount
        self.createdAtMilliseconds = createdAtMilliseconds
        self.dataBytes = dataBytes
        self.frameBytes = frameBytes
    }

    /// Bytes the encoded header takes.
    public var encodedBytes: Int { 8 + 4 + 4 + 8 * 8 + 4 + 8 * confState.voters.count + 4 + 8 * confState.learners.count + 4 }

    func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: encodedBytes)
        writer.append(Self.magic)
        writer.appendLittleEndian(Self.formatVersion)
        writer.appendLittleEndian(UInt32(encodedBytes))
        writer.appendLittleEndian(raftIndex)
        writer.appendLittleEndian(raftTerm)
        writer.appendLittleEndian(revision)
        writer.appendLittleEndian(compactRevision)
        writer.appendLittleEndian(keyCount)
        writer.appendLittleEndian(createdAtMilliseconds)
        writer.appendLittleEndian(dataBytes)
        writer.appendLittleEndian(frameBytes)
        LogRecords.encode(confState, into: &writer)
        writer.appendLittleEndian(CRC32C.checksum(writer.bytes))
        assert(writer.bytes.count == encodedBytes)
        return writer.bytes
    }

    /// Bytes to read to learn the header's full length.
    static let prefixBytes = 16

    /// The header's length, from its first `prefixBytes`; checks the magic and the format.
    static func length(prefix: [UInt8]) throws -> Int {
        guard prefix.count == prefixBytes, Array(prefix[0..<8]) == magic else { throw SnapshotError.notASnapshot }
        let (format, length) = prefix.withUnsafeBytes { bytes -> (UInt32, UInt32) in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[8...]), what: "snapshot header")
            return ((try? reader.readLittleEndian(UInt32.self)) ?? 0, (try? reader.readLittleEndian(UInt32.self)) ?? 0)
        }
        guard format == formatVersion else { throw SnapshotError.unsupportedFormat(format) }
        guard length >= 92, length <= 92 + 8 * membersMax else { throw SnapshotError.headerCorrupted }
        return Int(length)
    }

    init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= 4, CRC32C.checksum(bytes.dropLast(4)) == bytes.suffix(4).withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self).littleEndian }) else {
            throw SnapshotError.headerCorrupted
        }
        do {
            self = try bytes.withUnsafeBytes { buffer in
                var reader = ByteReader(UnsafeRawBufferPointer(rebasing: buffer[16..<(buffer.count - 4)]), what: "snapshot header")
                let header = SnapshotHeader(
                    raftIndex: try reader.readLittleEndian(), raftTerm: try reader.readLittleEndian(), confState: ConfState(),
                    revision: try reader.readLittleEndian(), compactRevision: try reader.readLittleEndian(),
                    keyCount: try reader.readLittleEndian(), createdAtMilliseconds: try reader.readLittleEndian(),
                    dataBytes: try reader.readLittleEndian(), frameBytes: try reader.readLittleEndian())
                var withMembers = header
                withMembers.confState = try LogRecords.decodeConfState(from: &reader)
                try reader.expectEnd()
                return withMembers
            }
        } catch {
            throw SnapshotError.headerCorrupted
        }
    }
}
