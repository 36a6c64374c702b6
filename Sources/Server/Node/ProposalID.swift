import Foundation
import Raft

/// Identifies a proposal across the cluster, so that the member that proposed it (and only it)
/// recognizes the entry when it is applied. As etcd's idutil: the low 16 bits of the member ID,
/// then milliseconds of the start time, then a counter; a restarted member starts from a later
/// time, so it never reuses an ID it handed out before (at under 256 proposals per millisecond
/// the counter never overtakes the clock).
struct ProposalIDGenerator {
    private var next: UInt64

    init(memberID: NodeID, now: Date = Date()) {
        let milliseconds = UInt64(now.timeIntervalSince1970 * 1_000) & 0xFF_FFFF_FFFF
        next = (memberID & 0xFFFF) << 48 | milliseconds << 8
    }

    mutating func take() -> UInt64 {
        defer { next += 1 }
        return next
    }
}

/// An entry's payload is the proposal ID (8 bytes, little endian) followed by the request.
enum ProposalEnvelope {
    static func wrap(id: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(8 + payload.count)
        withUnsafeBytes(of: id.littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: payload)
        return data
    }

    /// The ID and the request of an entry, or nil for entries that carry no proposal (no-ops).
    static func unwrap(_ data: [UInt8]) -> (id: UInt64, payload: ArraySlice<UInt8>)? {
        guard data.count >= 8 else { return nil }
        var id: UInt64 = 0
        for i in (0..<8).reversed() { id = id << 8 | UInt64(data[i]) }
        return (id, data[8...])
    }
}
