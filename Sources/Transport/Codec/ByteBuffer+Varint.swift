import NIOCore

extension ByteBuffer {
    /// Writes `value` as an unsigned LEB128 varint (7 bits a byte, low bits first): 1 byte below
    /// 128, at most 10.
    mutating func writeVarint(_ value: UInt64) {
        // One reservation and one pointer walk: byte-at-a-time `writeInteger` costs a bounds and
        // exclusivity check per byte, which shows in profiles of small messages.
        writeWithUnsafeMutableBytes(minimumWritableBytes: 10) { bytes in
            var value = value
            var count = 0
            while value >= 0x80 {
                bytes[count] = UInt8(truncatingIfNeeded: value) | 0x80
                value >>= 7
                count += 1
            }
            bytes[count] = UInt8(value)
            return count + 1
        }
    }

    /// Reads an unsigned LEB128 varint; `field` names it in the error.
    mutating func readVarint(_ field: String) throws(PeerProtocolError) -> UInt64 {
        // Parsed in place; `consumed` is 0 when the bytes ran out, -1 when the varint is malformed.
        let (result, consumed) = withUnsafeReadableBytes { bytes -> (UInt64, Int) in
            var result: UInt64 = 0
            var shift: UInt64 = 0
            for index in 0..<Swift.min(bytes.count, 10) {
                let byte = bytes[index]
                // The tenth byte may only carry the 64th bit.
                if shift == 63 && byte > 1 { return (0, -1) }
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return (result, index + 1) }
                shift += 7
            }
            return (0, bytes.count >= 10 ? -1 : 0)
        }
        if consumed == 0 { throw .truncated(field: field) }
        if consumed < 0 { throw .malformedVarint(field: field) }
        moveReaderIndex(forwardBy: consumed)
        return result
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
