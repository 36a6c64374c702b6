import NIOCore
import Testing

@testable import GRPCWire

@Suite("gRPC message deframing")
struct GRPCMessageDeframerTests {
    /// Three messages (empty, short, long) in gRPC's length-prefixed form, back to back.
    static func wire(_ messages: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for message in messages {
            bytes.append(0)
            withUnsafeBytes(of: UInt32(message.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: message)
        }
        return bytes
    }

    static let messages: [[UInt8]] = [[], Array("put foo bar".utf8), (0..<300).map { UInt8($0 % 251) }]

    static func decodeAll(_ chunks: [ArraySlice<UInt8>], limit: Int = 1 << 20) throws -> [[UInt8]] {
        var deframer = GRPCMessageDeframer(limit: limit)
        var out: [[UInt8]] = []
        for chunk in chunks {
            deframer.append(ByteBuffer(bytes: chunk))
            while let message = try deframer.next() { out.append(Array(message.readableBytesView)) }
        }
        #expect(!deframer.hasPartialMessage)
        return out
    }

    @Test("input split at every byte boundary decodes to the same messages")
    func everySplitPoint() throws {
        let bytes = Self.wire(Self.messages)
        for cut in 0...bytes.count {
            let decoded = try Self.decodeAll([bytes[..<cut], bytes[cut...]])
            #expect(decoded == Self.messages, "split at \(cut)")
        }
    }

    @Test("input fed one byte at a time decodes to the same messages")
    func oneByteAtATime() throws {
        let bytes = Self.wire(Self.messages)
        #expect(try Self.decodeAll(bytes.indices.map { bytes[$0...$0] }) == Self.messages)
    }

    @Test("input in random splits decodes to the same messages (seeded)")
    func randomSplits() throws {
        let bytes = Self.wire(Self.messages)
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let length = Int(generator.next() % 40) + 1
                let end = min(bytes.count, start + length)
                chunks.append(bytes[start..<end])
                start = end
            }
            #expect(try Self.decodeAll(chunks) == Self.messages)
        }
    }

    @Test("a length over the limit is refused from the prefix alone, before the body arrives")
    func tooLargeFromPrefix() throws {
        var deframer = GRPCMessageDeframer(limit: 100)
        deframer.append(ByteBuffer(bytes: [0, 0, 0, 0, 101]))
        #expect(throws: GRPCMessageDeframer.Failure.tooLarge(length: 101, limit: 100)) { try deframer.next() }
    }

    @Test("a message of exactly the limit is accepted")
    func exactlyTheLimit() throws {
        let bytes = Self.wire([[UInt8](repeating: 7, count: 100)])
        #expect(try Self.decodeAll([bytes[...]], limit: 100) == [[UInt8](repeating: 7, count: 100)])
    }

    @Test("the compressed flag is refused: only identity encoding is offered")
    func compressedFlag() throws {
        var deframer = GRPCMessageDeframer(limit: 100)
        deframer.append(ByteBuffer(bytes: [1, 0, 0, 0, 1, 9]))
        #expect(throws: GRPCMessageDeframer.Failure.compressed) { try deframer.next() }
    }

    @Test("a cut-off message is reported as partial")
    func partial() throws {
        var deframer = GRPCMessageDeframer(limit: 100)
        deframer.append(ByteBuffer(bytes: [0, 0, 0, 0, 3, 1]))
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
    }
}

/// A small seeded generator, so a failing split is replayable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
