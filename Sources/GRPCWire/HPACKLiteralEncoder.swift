import NIOCore
import NIOHPACK

/// Encodes header lists as HPACK (RFC 7541) without a dynamic table: `:status: 200` as one
/// static-table index, every other field as a literal that is not indexed, under the static
/// table's index for the names gRPC responses use, in plain octets (no Huffman coding).
///
/// A response's headers are a handful of short fields, mostly the same every time; this costs
/// a few byte copies per field where a full encoder searches and updates a dynamic table. The
/// peer's decoder needs no state from us, so its SETTINGS_HEADER_TABLE_SIZE never matters.
enum HPACKLiteralEncoder {
    static func encode(_ headers: HPACKHeaders, into buffer: inout ByteBuffer) {
        for (name, value, indexing) in headers {
            if name == ":status", value == "200" {
                buffer.writeInteger(UInt8(0x80 | 8))
                continue
            }
            // 0000xxxx: literal without indexing; 0001xxxx: never indexed (RFC 7541 §6.2.2-3).
            let pattern: UInt8 = indexing == .neverIndexed ? 0x10 : 0x00
            if let index = Self.staticNameIndex(name) {
                Self.writeInteger(index, prefixBits: 4, pattern: pattern, into: &buffer)
            } else {
                buffer.writeInteger(pattern)
                Self.writeString(name, into: &buffer)
            }
            Self.writeString(value, into: &buffer)
        }
    }

    /// The static table's index of the names our responses carry (RFC 7541 Appendix A).
    private static func staticNameIndex(_ name: String) -> Int? {
        switch name {
        case ":status": return 8
        case "content-length": return 28
        case "content-type": return 31
        default: return nil
        }
    }

    /// RFC 7541 §5.1: an integer in an N-bit prefix, continued in 7-bit groups.
    static func writeInteger(_ value: Int, prefixBits: Int, pattern: UInt8, into buffer: inout ByteBuffer) {
        precondition(value >= 0 && prefixBits >= 1 && prefixBits <= 8)
        let limit = (1 << prefixBits) - 1
        guard value >= limit else {
            buffer.writeInteger(pattern | UInt8(value))
            return
        }
        buffer.writeInteger(pattern | UInt8(limit))
        var rest = value - limit
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest & 0x7f | 0x80))
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    /// RFC 7541 §5.2: a string literal, not Huffman-coded.
    private static func writeString(_ string: String, into buffer: inout ByteBuffer) {
        Self.writeInteger(string.utf8.count, prefixBits: 7, pattern: 0x00, into: &buffer)
        buffer.writeString(string)
    }
}
