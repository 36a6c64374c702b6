import ArgumentParser
import EtcdAPI
import Foundation
import GRPCWire

/// `snapshot save <filename>`: the Maintenance.Snapshot stream of one endpoint, written to
/// `<filename>.part`, synced, then renamed, so a half-written snapshot never has the final name.
struct SnapshotSave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Stores an etcd node backend snapshot to a given file")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "<filename>")
    var arguments: [String] = []

    func run() async throws {
        let settings = try self.global.settings()
        guard self.arguments.count == 1 else { throw CtlError.badArgs("snapshot save expects one argument") }
        let path = self.arguments[0]
        guard settings.endpoints.count == 1 else {
            throw CtlError(
                .interrupted,
                "snapshot must be requested to one selected node, not multiple \(Fields.list(settings.endpoints))")
        }
        let partPath = path + ".part"
        let descriptor = open(partPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw CtlError(.interrupted, "could not open \(partPath) (open \(partPath): \(Self.errnoText()))")
        }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try await EtcdConnection.with(settings) { connection in
                let stream = try await connection.stream(
                    EtcdMethod.snapshot, requestType: Etcdserverpb_SnapshotRequest.self,
                    responseType: Etcdserverpb_SnapshotResponse.self)
                try stream.send(Etcdserverpb_SnapshotRequest())
                stream.finishSending()
                for try await response in stream.responses {
                    try file.write(contentsOf: response.blob)
                }
            }
            try file.synchronize()
            try file.close()
        } catch let status as GRPCStatus {
            throw CtlError(status, exit: .interrupted)
        } catch var error as CtlError {
            error.exit = .interrupted
            throw error
        } catch {
            throw CtlError(.interrupted, "\(error)")
        }
        guard rename(partPath, path) == 0 else {
            throw CtlError(.interrupted, "could not rename \(partPath) to \(path) (\(Self.errnoText()))")
        }
        var text = Text()
        text.line("Snapshot saved at \(path)")
        Terminal.write(text)
    }

    /// Go's text for the last system error ("no such file or directory").
    private static func errnoText() -> String { String(cString: strerror(errno)).lowercased() }
}
