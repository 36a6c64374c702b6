import Foundation

/// Who a data directory belongs to: written once when the member is created, read at every
/// start, so that a data directory is never served under another cluster or member identity.
struct MemberIdentityFile: Equatable {
    var clusterID: UInt64
    var memberID: UInt64
    var name: String

    static func path(in dataDirectory: String) -> String { dataDirectory + "/member-identity" }

    static func read(from dataDirectory: String) throws(ConfigurationError) -> MemberIdentityFile? {
        let path = path(in: dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError("cannot read \(path)")
        }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let cluster = fields["cluster-id"].flatMap({ UInt64($0, radix: 16) }),
              let member = fields["member-id"].flatMap({ UInt64($0, radix: 16) }),
              let name = fields["name"] else {
            throw ConfigurationError("\(path) is damaged: expected cluster-id, member-id and name")
        }
        return MemberIdentityFile(clusterID: cluster, memberID: member, name: name)
    }

    /// Written to a temporary file, synced, then renamed: never half there.
    func write(to dataDirectory: String) throws {
        let path = Self.path(in: dataDirectory)
        let text = "cluster-id=\(String(clusterID, radix: 16))\nmember-id=\(String(memberID, radix: 16))\nname=\(name)\n"
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw ConfigurationError("cannot write \(temporary)")
        }
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temporary, path) == 0 else { throw ConfigurationError("cannot rename \(temporary) to \(path)") }
        let directory = open(dataDirectory, O_RDONLY)
        if directory >= 0 { fsync(directory); close(directory) }
    }
}
