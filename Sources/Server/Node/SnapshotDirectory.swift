import Foundation
import Raft

/// A member's snapshot files, `<data-dir>/snap/`: the ones it made and the ones it received,
/// named as etcd names them (`<term>-<index>.snap`, 16 hex digits each), so that names sort
/// by index within a term and say what they hold.
///
/// The log's snapshot record holds only such a name (`Snapshot.data`): the file is the state,
/// the log says which file counts. A file is removed only once a newer one is recorded.
/// Other files in the directory (a `snapshot save` in progress) are left alone.
public struct SnapshotDirectory: Sendable {
    public let path: String
    /// Snapshot files kept: the one the log records and the one before it (which a follower
    /// may be receiving right now).
    public static let filesKept = 2

    /// Opens (creating when missing) the directory.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public static func fileName(term: UInt64, index: UInt64) -> String {
        hex16(term) + "-" + hex16(index) + ".snap"
    }

    /// The path of the file a log snapshot record names; `nil` when it names none (the log of a
    /// data directory built by `concord snapshot restore`, until the member makes its own).
    public func path(of snapshot: Snapshot) -> String? {
        let name = String(decoding: snapshot.data, as: UTF8.self)
        guard Self.parse(name) != nil else { return nil }
        return path + "/" + name
    }

    public func path(term: UInt64, index: UInt64) -> String {
        path + "/" + Self.fileName(term: term, index: index)
    }

    /// Where a received snapshot is decompressed before it replaces the state.
    var scratchPath: String { path + "/installing" }

    /// The snapshot files held, oldest first (by index, then term).
    public func files() -> [(term: UInt64, index: UInt64, name: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name in Self.parse(name).map { ($0.term, $0.index, name) } }
            .sorted { ($0.index, $0.term) < ($1.index, $1.term) }
    }

    /// Removes what an interrupted write or installation left: part files and the scratch
    /// environment. Called at start, before anything writes here.
    func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasSuffix(".snap.part") {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
        try? FileManager.default.removeItem(atPath: scratchPath)
    }

    /// Removes snapshot files older than the `filesKept` newest, never the one `recorded` names.
    func removeOld(recorded: Snapshot) {
        let keep = String(decoding: recorded.data, as: UTF8.self)
        for file in files().dropLast(Self.filesKept) where file.name != keep {
            try? FileManager.default.removeItem(atPath: path + "/" + file.name)
        }
    }

    private static func parse(_ name: String) -> (term: UInt64, index: UInt64)? {
        let parts = name.split(separator: "-")
        guard parts.count == 2, parts[0].count == 16, parts[1].count == 21, parts[1].hasSuffix(".snap"),
              let term = UInt64(parts[0], radix: 16), let index = UInt64(parts[1].dropLast(5), radix: 16) else { return nil }
        return (term, index)
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
