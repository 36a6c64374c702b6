

/// Go's `%x`, `%016x` and `%16x` of an ID.
enum GoHex {
    static func hex(_ value: UInt64) -> String { String(value, radix: 16) }
    static func hex(_ value: Int64) -> String { String(UInt64(bitPattern: value), radix: 16) }

    /// `%016x`: zero-padded to 16 digits (lease IDs).
    static func zeroPadded(_ value: Int64) -> String {
        let digits = self.hex(value)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// `%16x`: space-padded to 16 columns (member and cluster IDs in `member` messages).
    static func spacePadded(_ value: UInt64) -> String {
        let digits = self.hex(value)
        return String(repeating: " ", count: max(0, 16 - digits.count)) + digits
    }
}
