import Foundation
import Raft
import Storage

/// Directories the storage benchmarks write in, under the temp dir.
enum Scratch {
    static let root = NSTemporaryDirectory() + "/concord-storage-benchmarks"

    /// A new, empty directory (whatever an earlier run left there is removed).
    static func directory(_ name: String) -> String {
        let path = root + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// State environments holding 1M keys of 256-byte values, the size the speed targets
/// name. Building one takes several seconds, and the benchmark tool may run each benchmark in
/// a process of its own, so each is built once and kept in `Scratch.root/keyspace-1M-<name>`
/// (about 460 MB) for later runs; a marker file says it is complete.
enum KeySpaceFixture {
    static let keyCount = 1_000_000
    static let valueBytes = 256
    static let mapSize = 16 << 30
    static let quotaBytes = 8 << 30

    static func key(_ i: Int) -> [UInt8] { Array(String(format: "key/%012d", i).utf8) }

    /// Values that compress the way small structured values do (with random bytes the
    /// snapshot ratio is about 1.5 instead of 7.7).
    static func value(_ i: Int) -> [UInt8] {
        Array(String(repeating: "value-\(i % 1000)-", count: 40).utf8.prefix(valueBytes))
    }

    /// The fixture called `name`, built when missing. Benchmarks that write use their own
    /// ("writes"), so that the ones that read ("reads") always see the same 1M keys.
    static func path(_ name: String) -> String {
        let path = Scratch.root + "/keyspace-1M-" + name
        let marker = path + "/complete"
        if FileManager.default.fileExists(atPath: marker) { return path }
        let directory = Scratch.directory("keyspace-1M-" + name)
        let store = try! MVCCStore(path: directory, mapSize: mapSize, quotaBytes: quotaBytes)
        var index: UInt64 = 0
        for start in stride(from: 0, to: keyCount, by: 1000) {
            index += 1
            try! store.apply(index: index, term: 1) { batch in
                for i in start..<start + 1000 { _ = try batch.put(PutRequest(key: key(i), value: value(i))) }
            }
        }
        store.close()
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        return path
    }

    /// The fixture called `name`, opened.
    static func open(_ name: String = "reads") throws -> MVCCStore {
        try MVCCStore(path: path(name), mapSize: mapSize, quotaBytes: quotaBytes)
    }
}
