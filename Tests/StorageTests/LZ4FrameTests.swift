import Storage
import Testing

@Suite("LZ4 frame stream")
struct LZ4FrameTests {
    static func sample(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        // Compressible: runs of a few symbols, like keys and small integers.
        return (0..<count).map { i in i % 7 == 0 ? UInt8.random(in: 0...255, using: &random) : UInt8(i / 64 % 5) }
    }

    static func compress(_ data: [UInt8]) throws -> [UInt8] {
        var encoder = try LZ4FrameEncoder()
        var frame: [UInt8] = []
        let sink: (UnsafeRawBufferPointer) -> Void = { frame.append(contentsOf: $0) }
        try encoder.begin(sink)
        for piece in stride(from: 0, to: data.count, by: 100_000) {
            try data[piece..<min(piece + 100_000, data.count)].withUnsafeBytes { try encoder.update($0, sink) }
        }
        try encoder.end(sink)
        return frame
    }

    /// Feeds `frame` in pieces of the sizes `split` gives; returns the output and completeness.
    static func decompress(_ frame: [UInt8], split: (Int) -> Int) throws -> ([UInt8], Bool) {
        var decoder = try LZ4FrameDecoder()
        var output: [UInt8] = []
        var offset = 0
        while offset < frame.count {
            let end = min(frame.count, offset + max(1, split(frame.count - offset)))
            try frame[offset..<end].withUnsafeBytes { try decoder.decode($0) { output.append(contentsOf: $0) } }
            offset = end
        }
        return (output, decoder.isComplete)
    }

    @Test("a frame decodes to its input whole, one byte at a time, and in random splits")
    func roundTrip() throws {
        let data = Self.sample(3_000_000, seed: 1)
        let frame = try Self.compress(data)
        #expect(frame.count < data.count / 2)
        #expect(try Self.decompress(frame, split: { $0 }) == (data, true))
        var random = SeededGenerator(seed: 2)
        #expect(try Self.decompress(frame, split: { _ in Int.random(in: 1...70_000, using: &random) }) == (data, true))
        let small = try Self.compress(Array(data.prefix(20_000)))
        #expect(try Self.decompress(small, split: { _ in 1 }) == (Array(data.prefix(20_000)), true))
    }

    @Test("an empty input makes a valid frame")
    func empty() throws {
        #expect(try Self.decompress(try Self.compress([]), split: { $0 }) == ([], true))
    }

    @Test("a damaged byte anywhere in the blocks is caught by a checksum")
    func damage() throws {
        let frame = try Self.compress(Self.sample(500_000, seed: 3))
        var random = SeededGenerator(seed: 4)
        for _ in 0..<20 {
            var damaged = frame
            let at = Int.random(in: 7..<damaged.count, using: &random)
            damaged[at] ^= UInt8.random(in: 1...255, using: &random)
            #expect(throws: LZ4FrameError.self) { _ = try Self.decompress(damaged, split: { $0 }) }
        }
    }

    @Test("a truncated frame never reports complete")
    func truncated() throws {
        let frame = try Self.compress(Self.sample(300_000, seed: 5))
        for cut in [1, 4, frame.count / 2, frame.count - 1] {
            let (_, complete) = try Self.decompress(Array(frame.prefix(cut)), split: { $0 })
            #expect(!complete)
        }
    }

    @Test("bytes after the end of the frame are refused")
    func trailingBytes() throws {
        let frame = try Self.compress(Self.sample(1000, seed: 6))
        #expect(throws: LZ4FrameError.self) { _ = try Self.decompress(frame + [0], split: { $0 }) }
    }
}
