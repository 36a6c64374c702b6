import CLZ4

/// Why an LZ4 frame could not be made or read. `name` is LZ4's (`LZ4F_getErrorName`), e.g.
/// `ERROR_contentChecksum_invalid`.
public struct LZ4FrameError: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public var description: String { "lz4: \(name)" }

    static func check(_ code: Int) throws -> Int {
        if LZ4F_isError(code) != 0 { throw LZ4FrameError(name: String(cString: LZ4F_getErrorName(code))) }
        return code
    }
}

/// Compresses a byte stream into one LZ4 frame, incrementally: an xxh32 checksum on every
/// block (so damage is found at the block it hits) and one over the whole content.
public struct LZ4FrameEncoder: ~Copyable {
    private let context: OpaquePointer
    private var preferences = LZ4F_preferences_t()
    private var output: [UInt8] = []

    public init() throws {
        var context: OpaquePointer?
        _ = try LZ4FrameError.check(LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION)))
        self.context = context!
        preferences.frameInfo.blockSizeID = LZ4F_max1MB
        preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
    }

    deinit { LZ4F_freeCompressionContext(context) }

    /// The frame header; call once, first.
    public mutating func begin(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        output = [UInt8](repeating: 0, count: Int(LZ4F_HEADER_SIZE_MAX))
        let size = try output.withUnsafeMutableBytes { out in
            try LZ4FrameError.check(LZ4F_compressBegin(context, out.baseAddress, out.count, &preferences))
        }
        try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(size))) }
    }

    /// Compresses `input`, handing whatever compressed bytes are ready to `sink`.
    public mutating func update(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let bound = LZ4F_compressBound(input.count, &preferences)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let size = try output.withUnsafeMutableBytes { out in
            try LZ4FrameError.check(LZ4F_compressUpdate(context, out.baseAddress, out.count, input.baseAddress, input.count, nil))
        }
        if size > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(size))) } }
    }

    /// Flushes the last block and writes the end mark and the content checksum.
    public mutating func end(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let bound = LZ4F_compressBound(0, &preferences)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let size = try output.withUnsafeMutableBytes { out in
            try LZ4FrameError.check(LZ4F_compressEnd(context, out.baseAddress, out.count, nil))
        }
        try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(size))) }
    }
}

/// Decompresses one LZ4 frame fed in pieces of any size, checking every checksum it carries.
public struct LZ4FrameDecoder: ~Copyable {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: 1 << 20)
    /// The frame's end mark and content checksum were read and matched.
    public private(set) var isComplete = false

    public init() throws {
        var context: OpaquePointer?
        _ = try LZ4FrameError.check(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION)))
        self.context = context!
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    /// Feeds `input`; decompressed bytes go to `sink` as they come. Bytes after the end of the
    /// frame are an error.
    public mutating func decode(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        while true {
            if isComplete {
                if offset < input.count { throw LZ4FrameError(name: "\(input.count - offset) bytes after the end of the frame") }
                return
            }
            var consumed = input.count - offset
            var produced = output.count
            let hint = try output.withUnsafeMutableBytes { out in
                try LZ4FrameError.check(LZ4F_decompress(context, out.baseAddress, &produced, input.baseAddress.map { $0 + offset }, &consumed, nil))
            }
            offset += consumed
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(produced))) } }
            if hint == 0 { isComplete = true; continue }
            // Stop when the input is used up and no output is waiting in LZ4's buffers.
            if offset == input.count && produced < output.count { return }
        }
    }
}
