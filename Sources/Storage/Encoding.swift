/// Fixed-width integers in and out of byte arrays.
///
/// Keys are big-endian, so that LMDB's byte-wise order is numeric order. Values are
/// little-endian (the machine's order). Decoding reads from buffers that come from disk, so it
/// is checked: a short buffer is `StorageError.corrupted`, never a crash.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A 32-bit length, then the bytes.
    mutating func appendLengthPrefixed(_ data: some Collection<UInt8>) {
        appendLittleEndian(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func append(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }
}

struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    var offset = 0
    /// Names what is being decoded, for the corruption message.
    let what: String

    init(_ buffer: UnsafeRawBufferPointer, what: String) {
        self.buffer = buffer
        self.what = what
    }

    var remaining: Int { buffer.count - offset }

    mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        try need(MemoryLayout<T>.size)
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    mutating func readLittleEndian<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        try need(MemoryLayout<T>.size)
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readBytes(_ count: Int) throws -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }

    mutating func readLengthPrefixed() throws -> [UInt8] {
        let count = Int(try readLittleEndian(UInt32.self))
        return try readBytes(count)
    }

    /// Everything not read yet.
    mutating func readRest() -> [UInt8] {
        defer { offset = buffer.count }
        return Array(buffer[offset...])
    }

    func expectEnd() throws {
        guard remaining == 0 else { throw StorageError.corrupted("\(what): \(remaining) trailing bytes") }
    }

    private func need(_ count: Int) throws {
        guard count >= 0, remaining >= count else {
            throw StorageError.corrupted("\(what): needs \(count) bytes at offset \(offset), has \(remaining)")
        }
    }
}

extension FixedWidthInteger {
    /// The value as big-endian bytes: a key that sorts numerically.
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }
}
