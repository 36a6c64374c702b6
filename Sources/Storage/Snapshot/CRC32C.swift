/// CRC-32C (Castagnoli), the checksum of a snapshot header. The header is a few hundred bytes,
/// so a table-driven software version is fast enough; the data behind it carries LZ4's xxh32
/// block and content checksums.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        update(0, bytes)
    }

    /// The checksum of what `crc` covered followed by `bytes`.
    static func update(_ crc: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = ~crc
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }
}
