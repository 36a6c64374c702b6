/// Why a snapshot file was refused. Nothing was written when one of these is thrown.
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    case notASnapshot
    case unsupportedFormat(UInt32)
    case headerCorrupted
    case truncated(expectedBytes: Int, actualBytes: Int)
    case dataCorrupted(String)
    case destinationExists(String)
    case stateMismatch(String)

    public var description: String {
        switch self {
        case .notASnapshot: "snapshot: not a Concord snapshot file (bad magic)"
        case let .unsupportedFormat(format): "snapshot: unsupported format version \(format) (this build reads \(SnapshotHeader.formatVersion))"
        case .headerCorrupted: "snapshot: header checksum mismatch: the file is damaged"
        case let .truncated(expected, actual): "snapshot: file is truncated: \(actual) bytes, header says \(expected)"
        case let .dataCorrupted(why): "snapshot: data is damaged: \(why)"
        case let .destinationExists(path): "snapshot: data directory \(path) already exists; restore builds a new one"
        case let .stateMismatch(why): "snapshot: restored state does not match the header: \(why)"
        }
    }
}
