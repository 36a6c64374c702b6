import Foundation

/// A fresh directory under the system's temp dir, removed with everything in it on deinit.
/// Tests run on real LMDB files in it.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = #function) {
        var template = Array("\(NSTemporaryDirectory())/concord-storage-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: \(errno)")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
