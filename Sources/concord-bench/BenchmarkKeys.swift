import Foundation

/// etcd benchmark's keys: a `keySize`-byte key holding the varint of a number in
/// [0, keySpaceSize) (Go's binary.PutVarint, zig-zag), zero-padded, so concord-bench writes the
/// same keys as etcd's tool for the same flags.
struct BenchmarkKeys: Sendable {
    let keySize: Int
    let keySpaceSize: Int
    let sequential: Bool

    init(keySize: Int, keySpaceSize: Int, sequential: Bool) {
        precondition(keySpaceSize > 0)
        self.keySize = keySize
        self.keySpaceSize = keySpaceSize
        self.sequential = sequential
    }

    /// The key of request `index`: `index % keySpaceSize` when sequential, else a number drawn
    /// uniformly from the key space (a hash of the index: repeatable, no shared generator).
    func key(forRequest index: Int) -> Data {
        self.key(number: self.sequential ? index % self.keySpaceSize : Self.spread(index) % self.keySpaceSize)
    }

    func key(number: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: self.keySize)
        var value = UInt64(bitPattern: Int64(number) << 1 ^ Int64(number) >> 63)
        var offset = 0
        repeat {
            let byte = UInt8(value & 0x7f) | (value > 0x7f ? 0x80 : 0)
            if offset < bytes.count { bytes[offset] = byte } else { bytes.append(byte) }
            offset += 1
            value >>= 7
        } while value > 0
        return Data(bytes)
    }

    /// splitmix64's finalizer: spreads consecutive indices uniformly over 0..<2^63.
    static func spread(_ index: Int) -> Int {
        var z = UInt64(bitPattern: Int64(index)) &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int((z ^ (z >> 31)) >> 1)
    }

    /// A value of `size` random bytes, made once per run as etcd's tool does.
    static func randomValue(size: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
