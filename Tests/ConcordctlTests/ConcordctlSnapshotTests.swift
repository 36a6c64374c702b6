import Foundation
import Testing

/// snapshot save through etcdctl 3.4 and concordctl: the same messages, and a file that
/// etcdctl's own `snapshot status` reads.
@Suite("snapshot save as etcdctl does it")
struct ConcordctlSnapshotTests {
    @Test("snapshot save writes a file that etcdctl snapshot status accepts, with etcdctl's messages")
    func save() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("concordctl-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("backup.db").path
        var save = Step(["snapshot", "save", path])
        save.check = { client in
            #expect(!FileManager.default.fileExists(atPath: path + ".part"), "\(client) left its .part file")
            let status = try await Client.etcdctl.run(["snapshot", "status", path, "-w", "json"])
            #expect(status.status == 0, "\(client)'s snapshot: \(status.errors)")
            #expect(status.output.contains(#""totalKey":"#), "\(client)'s snapshot: \(status.output)")
            try FileManager.default.removeItem(atPath: path)
        }
        try await Comparison().expectSameOutcomes([
            Step(["put", "a", "1"]),
            Step(["put", "b", "2"]),
            save,
            Step(["snapshot", "save"]),
            Step(["snapshot", "save", directory.appendingPathComponent("missing/backup.db").path]),
        ])
    }
}
