import Checksums
import NIOCore
import Raft
import Testing
@testable import Transport

@Suite("Message codec")
struct CodecTests {
    @Test("CRC-32C matches the standard check value and is the same in pieces and whole")
    func crc32c() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        var rng = SeededGenerator(seed: 1)
        let bytes = MessageFactory.randomBytes(&rng, max: 5000) + [1, 2, 3]
        // Slicing-by-8 against the byte-at-a-time definition, at every alignment and tail length.
        func naive(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        for start in 0..<9 {
            for end in [bytes.count - 7, bytes.count - 1, bytes.count] {
                let slice = bytes[start..<end]
                #expect(slice.withUnsafeBytes { CRC32C.checksum($0) } == naive(slice))
            }
        }
        let split = bytes.count / 3
        let first = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
        #expect(bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) } == CRC32C.checksum(bytes))
    }

    @Test("varints round-trip at every width and refuse overlong or overflowing encodings")
    func varints() throws {
        for shift in 0..<64 {
            for value in [UInt64(1) << shift, (UInt64(1) << shift) - 1, UInt64.max >> shift] {
                var buffer = ByteBuffer()
                buffer.writeVarint(value)
                #expect(buffer.readableBytes == varintSize(value))
                #expect(try buffer.readVarint("v") == value)
            }
        }
        var overlong = ByteBuffer(bytes: [UInt8](repeating: 0x80, count: 10) + [0])
        #expect(throws: PeerProtocolError.malformedVarint(field: "v")) { try overlong.readVarint("v") }
        var overflow = ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: PeerProtocolError.malformedVarint(field: "v")) { try overflow.readVarint("v") }
        var truncated = ByteBuffer(bytes: [0x80, 0x80])
        #expect(throws: PeerProtocolError.truncated(field: "v")) { try truncated.readVarint("v") }
    }

    @Test("every payload type round-trips, over 5,000 seeded random messages")
    func roundTrip() throws {
        var rng = SeededGenerator(seed: 42)
        for i in 0..<5000 {
            let message = MessageFactory.random(&rng, tag: i % MessageFactory.payloadKinds)
            var buffer = MessageFactory.encoded(message)
            #expect(buffer.readableBytes <= MessageCodec.maxEncodedSize(message))
            #expect(try MessageCodec.decode(&buffer, limits: TransportLimits()) == message)
        }
    }

    @Test("a heartbeat encodes in a handful of bytes")
    func compact() {
        #expect(MessageFactory.encoded(heartbeat(from: 1, to: 2, 100)).readableBytes == 6)
    }

    @Test("every truncation of every payload type is an error, never a crash")
    func truncations() {
        var rng = SeededGenerator(seed: 7)
        for tag in 0..<MessageFactory.payloadKinds {
            for _ in 0..<20 {
                let message = MessageFactory.random(&rng, tag: tag)
                let bytes = Array(MessageFactory.encoded(message).readableBytesView)
                for length in 0..<bytes.count {
                    var prefix = ByteBuffer(bytes: bytes[..<length])
                    #expect(throws: PeerProtocolError.self) { try MessageCodec.decode(&prefix, limits: TransportLimits()) }
                }
                var longer = ByteBuffer(bytes: bytes + [0])
                #expect(throws: PeerProtocolError.trailingBytes(count: 1)) { try MessageCodec.decode(&longer, limits: TransportLimits()) }
            }
        }
    }

    @Test("corrupted and random bytes decode to an error or a message, never a crash (50,000 inputs)")
    func fuzz() {
        var rng = SeededGenerator(seed: 99)
        var errors = 0
        for i in 0..<50_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = Array(MessageFactory.encoded(MessageFactory.random(&rng)).readableBytesView)
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                bytes = MessageFactory.randomBytes(&rng, max: 64)
            }
            var buffer = ByteBuffer(bytes: bytes)
            do { _ = try MessageCodec.decode(&buffer, limits: TransportLimits()) } catch { errors += 1 }
        }
        #expect(errors > 25_000)
    }

    @Test("counts and lengths beyond the limits or the bytes present are refused before allocating")
    func hostileCounts() throws {
        var limits = TransportLimits()
        limits.maxEntriesPerMessage = 10
        limits.maxContextBytes = 8
        func decode(_ build: (inout ByteBuffer) -> Void) throws -> Message {
            var buffer = ByteBuffer()
            buffer.writeVarint(1); buffer.writeVarint(2); buffer.writeVarint(3)
            build(&buffer)
            return try MessageCodec.decode(&buffer, limits: limits)
        }
        // A billion entries announced in a few bytes.
        #expect(throws: PeerProtocolError.limitExceeded(field: "entries.count", value: 1 << 30, limit: 10)) {
            try decode { $0.writeInteger(MessageCodec.Tag.propose.rawValue); $0.writeVarint(1 << 30) }
        }
        limits.maxEntriesPerMessage = 1 << 30
        #expect(throws: PeerProtocolError.truncated(field: "entries")) {
            try decode { $0.writeInteger(MessageCodec.Tag.propose.rawValue); $0.writeVarint(1 << 30) }
        }
        // A 2^60-byte entry.
        #expect(throws: PeerProtocolError.self) {
            try decode { b in
                b.writeInteger(MessageCodec.Tag.propose.rawValue); b.writeVarint(1)
                b.writeVarint(1); b.writeVarint(1); b.writeInteger(UInt8(0)); b.writeVarint(1 << 60)
            }
        }
        #expect(throws: PeerProtocolError.limitExceeded(field: "readIndex.context", value: 9, limit: 8)) {
            try decode { $0.writeInteger(MessageCodec.Tag.readIndex.rawValue); $0.writeLengthPrefixed([UInt8](repeating: 0, count: 9)) }
        }
        #expect(throws: PeerProtocolError.unknownPayloadTag(200)) { try decode { $0.writeInteger(UInt8(200)) } }
        #expect(throws: PeerProtocolError.unknownEntryKind(9)) {
            try decode { b in
                b.writeInteger(MessageCodec.Tag.propose.rawValue); b.writeVarint(1)
                b.writeVarint(1); b.writeVarint(1); b.writeInteger(UInt8(9)); b.writeVarint(0)
            }
        }
        // Member 0 in a configuration would trip ConfState's precondition: refused as input.
        #expect(throws: PeerProtocolError.invalidMember(field: "snapshot.voters", value: 0)) {
            try decode { b in
                b.writeInteger(MessageCodec.Tag.snapshot.rawValue); b.writeVarint(5); b.writeVarint(1)
                b.writeVarint(2); b.writeVarint(1); b.writeVarint(0)
            }
        }
        var zeroFrom = ByteBuffer(bytes: [0, 2, 3, MessageCodec.Tag.timeoutNow.rawValue])
        #expect(throws: PeerProtocolError.invalidMember(field: "from", value: 0)) { try MessageCodec.decode(&zeroFrom, limits: limits) }
    }
}
