import NIOCore

extension ByteBuffer {
    /// Writes `value` as an unsigned LEB128 varint (7 bits a byte, low bits first): 1 byte below
    /// 128, at most 10.
    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    /// Reads an unsigned LEB128 varint; `field` names it in the error.
    mutating func readVarint(_ field: String) throws(PeerProtocolError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte: UInt8 = readInteger() else { throw .truncated(field: field) }
            // The tenth byte may only carry the 64th bit.
            if shift == 63 && byte > 1 { throw .malformedVarint(field: field) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .malformedVarint(field: field) }
        }
    }

    /// Reads a varint that must be at most `limit` and fit in the bytes left (it announces a
    /// length or a count of at least one byte each).
    mutating func readLength(_ field: String, limit: Int) throws(PeerProtocolError) -> Int {
        let value = try readVarint(field)
        guard value <= UInt64(limit) else { throw .limitExceeded(field: field, value: value, limit: limit) }
        guard value <= UInt64(readableBytes) else { throw .truncated(field: field) }
        return Int(value)
    }

    mutating func readByte(_ field: String) throws(PeerProtocolError) -> UInt8 {
        guard let byte: UInt8 = readInteger() else { throw .truncated(field: field) }
        return byte
    }

    /// Writes a varint length and then `bytes`.
    mutating func writeLengthPrefixed(_ bytes: [UInt8]) {
        writeVarint(UInt64(bytes.count))
        writeBytes(bytes)
    }

    mutating func readLengthPrefixed(_ field: String, limit: Int) throws(PeerProtocolError) -> [UInt8] {
        let count = try readLength(field, limit: limit)
        return readBytes(length: count)!  // readLength checked that `count` bytes are there
    }
}

/// Encoded size of a varint.
func varintSize(_ value: UInt64) -> Int {
    value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
}
