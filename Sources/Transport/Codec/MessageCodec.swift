import NIOCore
import Raft

/// The binary encoding of one `Raft.Message`: the body of a `.message` frame, and the whole
/// reassembled stream of a snapshot transfer.
///
/// ```
/// message  = from:varint to:varint term:varint tag:u8 payload
/// entry    = term:varint index:varint kind:u8 length:varint data
/// entries  = count:varint entry*
/// bytes    = length:varint data
/// ```
/// Integers are LEB128 varints, so a heartbeat is about ten bytes. Flags are one byte of bits.
/// The payloads, by tag:
///
/// | tag | payload | fields |
/// |---|---|---|
/// | 1 | append | prevIndex prevTerm commit entries |
/// | 2 | appendResponse | index flags(bit0 reject) hintIndex hintTerm |
/// | 3 | heartbeat | commit readRound |
/// | 4 | heartbeatResponse | readRound |
/// | 5 | vote | flags(bit0 preVote, bit1 transfer) lastIndex lastTerm |
/// | 6 | voteResponse | flags(bit0 preVote, bit1 granted) |
/// | 7 | snapshot | index term voters(count id*) learners(count id*) data:bytes |
/// | 8 | timeoutNow | — |
/// | 9 | propose | entries |
/// | 10 | readIndex | context:bytes |
/// | 11 | readIndexResponse | index context:bytes |
///
/// Decoding validates at the boundary: every count and length is checked against
/// `TransportLimits` and against the bytes actually left before anything is allocated, member ids
/// are never 0, unknown tags and kinds are errors, and the whole body must be consumed.
enum MessageCodec {
    enum Tag: UInt8 {
        case append = 1, appendResponse, heartbeat, heartbeatResponse, vote, voteResponse,
             snapshot, timeoutNow, propose, readIndex, readIndexResponse
    }

    // MARK: Encoding

    static func encode(_ message: Message, into buffer: inout ByteBuffer) {
        buffer.writeVarint(message.from)
        buffer.writeVarint(message.to)
        buffer.writeVarint(message.term)
        switch message.payload {
        case let .append(append):
            buffer.writeInteger(Tag.append.rawValue)
            buffer.writeVarint(append.prevIndex)
            buffer.writeVarint(append.prevTerm)
            buffer.writeVarint(append.commit)
            encode(append.entries, into: &buffer)
        case let .appendResponse(response):
            buffer.writeInteger(Tag.appendResponse.rawValue)
            buffer.writeVarint(response.index)
            buffer.writeInteger(response.reject ? 1 as UInt8 : 0)
            buffer.writeVarint(response.hintIndex)
            buffer.writeVarint(response.hintTerm)
        case let .heartbeat(heartbeat):
            buffer.writeInteger(Tag.heartbeat.rawValue)
            buffer.writeVarint(heartbeat.commit)
            buffer.writeVarint(heartbeat.readRound)
        case let .heartbeatResponse(response):
            buffer.writeInteger(Tag.heartbeatResponse.rawValue)
            buffer.writeVarint(response.readRound)
        case let .vote(vote):
            buffer.writeInteger(Tag.vote.rawValue)
            buffer.writeInteger((vote.preVote ? 1 as UInt8 : 0) | (vote.transfer ? 2 : 0))
            buffer.writeVarint(vote.lastIndex)
            buffer.writeVarint(vote.lastTerm)
        case let .voteResponse(response):
            buffer.writeInteger(Tag.voteResponse.rawValue)
            buffer.writeInteger((response.preVote ? 1 as UInt8 : 0) | (response.granted ? 2 : 0))
        case let .snapshot(snapshot):
            buffer.writeInteger(Tag.snapshot.rawValue)
            buffer.writeVarint(snapshot.metadata.index)
            buffer.writeVarint(snapshot.metadata.term)
            encode(snapshot.metadata.confState.voters, into: &buffer)
            encode(snapshot.metadata.confState.learners, into: &buffer)
            buffer.writeLengthPrefixed(snapshot.data)
        case .timeoutNow:
            buffer.writeInteger(Tag.timeoutNow.rawValue)
        case let .propose(entries):
            buffer.writeInteger(Tag.propose.rawValue)
            encode(entries, into: &buffer)
        case let .readIndex(context):
            buffer.writeInteger(Tag.readIndex.rawValue)
            buffer.writeLengthPrefixed(context)
        case let .readIndexResponse(state):
            buffer.writeInteger(Tag.readIndexResponse.rawValue)
            buffer.writeVarint(state.index)
            buffer.writeLengthPrefixed(state.context)
        }
    }

    private static func encode(_ entries: [Entry], into buffer: inout ByteBuffer) {
        buffer.writeVarint(UInt64(entries.count))
        for entry in entries {
            buffer.writeVarint(entry.term)
            buffer.writeVarint(entry.index)
            buffer.writeInteger(entry.kind.rawValue)
            buffer.writeLengthPrefixed(entry.data)
        }
    }

    private static func encode(_ ids: [NodeID], into buffer: inout ByteBuffer) {
        buffer.writeVarint(UInt64(ids.count))
        for id in ids { buffer.writeVarint(id) }
    }

    /// An upper bound of the encoded size (every varint counted at 10 bytes, every length prefix
    /// at 5): what a message counts for in the per-peer queue, and a capacity to reserve.
    static func maxEncodedSize(_ message: Message) -> Int {
        let envelope = 3 * 10 + 1
        switch message.payload {
        case let .append(append): return envelope + 3 * 10 + maxEncodedSize(append.entries)
        case .appendResponse: return envelope + 1 + 3 * 10
        case .heartbeat: return envelope + 2 * 10
        case .heartbeatResponse: return envelope + 10
        case .vote: return envelope + 1 + 2 * 10
        case .voteResponse: return envelope + 1
        case let .snapshot(snapshot):
            let members = snapshot.metadata.confState.voters.count + snapshot.metadata.confState.learners.count
            return envelope + 2 * 10 + 2 * 10 + members * 10 + 10 + snapshot.data.count
        case .timeoutNow: return envelope
        case let .propose(entries): return envelope + maxEncodedSize(entries)
        case let .readIndex(context): return envelope + 10 + context.count
        case let .readIndexResponse(state): return envelope + 10 + 10 + state.context.count
        }
    }

    private static func maxEncodedSize(_ entries: [Entry]) -> Int {
        var size = 10
        for entry in entries { size += 10 + 10 + 1 + 10 + entry.data.count }
        return size
    }

    // MARK: Decoding

    /// Decodes one message that must fill `buffer` exactly.
    static func decode(_ buffer: inout ByteBuffer, limits: TransportLimits) throws(PeerProtocolError) -> Message {
        let from = try buffer.readVarint("from")
        guard from != noNode else { throw .invalidMember(field: "from", value: from) }
        let to = try buffer.readVarint("to")
        guard to != noNode else { throw .invalidMember(field: "to", value: to) }
        let term = try buffer.readVarint("term")
        let rawTag = try buffer.readByte("message type")
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownPayloadTag(rawTag) }
        let payload: Message.Payload
        switch tag {
        case .append:
            let prevIndex = try buffer.readVarint("append.prevIndex")
            let prevTerm = try buffer.readVarint("append.prevTerm")
            let commit = try buffer.readVarint("append.commit")
            let entries = try decodeEntries(&buffer, limits: limits)
            payload = .append(Append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit))
        case .appendResponse:
            let index = try buffer.readVarint("appendResponse.index")
            let flags = try buffer.readByte("appendResponse.flags")
            let hintIndex = try buffer.readVarint("appendResponse.hintIndex")
            let hintTerm = try buffer.readVarint("appendResponse.hintTerm")
            payload = .appendResponse(AppendResponse(index: index, reject: flags & 1 != 0, hintIndex: hintIndex, hintTerm: hintTerm))
        case .heartbeat:
            let commit = try buffer.readVarint("heartbeat.commit")
            let readRound = try buffer.readVarint("heartbeat.readRound")
            payload = .heartbeat(Heartbeat(commit: commit, readRound: readRound))
        case .heartbeatResponse:
            payload = .heartbeatResponse(HeartbeatResponse(readRound: try buffer.readVarint("heartbeatResponse.readRound")))
        case .vote:
            let flags = try buffer.readByte("vote.flags")
            let lastIndex = try buffer.readVarint("vote.lastIndex")
            let lastTerm = try buffer.readVarint("vote.lastTerm")
            payload = .vote(VoteRequest(preVote: flags & 1 != 0, lastIndex: lastIndex, lastTerm: lastTerm, transfer: flags & 2 != 0))
        case .voteResponse:
            let flags = try buffer.readByte("voteResponse.flags")
            payload = .voteResponse(VoteResponse(preVote: flags & 1 != 0, granted: flags & 2 != 0))
        case .snapshot:
            let index = try buffer.readVarint("snapshot.index")
            let term = try buffer.readVarint("snapshot.term")
            let voters = try decodeMembers(&buffer, field: "snapshot.voters", limits: limits)
            let learners = try decodeMembers(&buffer, field: "snapshot.learners", limits: limits)
            let data = try buffer.readLengthPrefixed("snapshot.data", limit: limits.maxSnapshotBytes)
            let metadata = SnapshotMetadata(index: index, term: term, confState: ConfState(voters: voters, learners: learners))
            payload = .snapshot(Snapshot(metadata: metadata, data: data))
        case .timeoutNow:
            payload = .timeoutNow
        case .propose:
            payload = .propose(try decodeEntries(&buffer, limits: limits))
        case .readIndex:
            payload = .readIndex(context: try buffer.readLengthPrefixed("readIndex.context", limit: limits.maxContextBytes))
        case .readIndexResponse:
            let index = try buffer.readVarint("readIndexResponse.index")
            let context = try buffer.readLengthPrefixed("readIndexResponse.context", limit: limits.maxContextBytes)
            payload = .readIndexResponse(ReadState(index: index, context: context))
        }
        guard buffer.readableBytes == 0 else { throw .trailingBytes(count: buffer.readableBytes) }
        return Message(from: from, to: to, term: term, payload: payload)
    }

    /// Smallest encoding of an entry: term, index, kind and an empty length, one byte each.
    private static let minEntryBytes = 4

    private static func decodeEntries(_ buffer: inout ByteBuffer, limits: TransportLimits) throws(PeerProtocolError) -> [Entry] {
        let count = try buffer.readVarint("entries.count")
        guard count <= UInt64(limits.maxEntriesPerMessage) else {
            throw .limitExceeded(field: "entries.count", value: count, limit: limits.maxEntriesPerMessage)
        }
        // Never reserve more than the bytes left can hold, whatever the count says.
        guard count <= UInt64(buffer.readableBytes / minEntryBytes) else { throw .truncated(field: "entries") }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            let term = try buffer.readVarint("entry.term")
            let index = try buffer.readVarint("entry.index")
            let rawKind = try buffer.readByte("entry.kind")
            guard let kind = Entry.Kind(rawValue: rawKind) else { throw .unknownEntryKind(rawKind) }
            let data = try buffer.readLengthPrefixed("entry.data", limit: limits.maxFrameBytes)
            entries.append(Entry(term: term, index: index, kind: kind, data: data))
        }
        return entries
    }

    private static func decodeMembers(_ buffer: inout ByteBuffer, field: String, limits: TransportLimits) throws(PeerProtocolError) -> [NodeID] {
        let count = try buffer.readLength(field, limit: limits.maxMembers)  // each id is at least one byte
        var ids: [NodeID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count {
            let id = try buffer.readVarint(field)
            // ConfState treats 0 as a broken invariant; from a peer it is just bad input.
            guard id != noNode else { throw .invalidMember(field: field, value: id) }
            ids.append(id)
        }
        return ids
    }
}
