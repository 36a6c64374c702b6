import Foundation
import Raft
import Storage
import Testing
@testable import storage_crash_child

/// A child process appends and applies batches and is killed with SIGKILL at random moments,
/// many times over the same data directory. Every reopen must hold every acknowledged batch in
/// the log, the state must be exactly what a prefix of the batches makes, and recovery from the
/// log must bring it to the log's end.
@Suite("Crash consistency")
struct CrashConsistencyTests {
    /// The child executable, built beside this test binary.
    static var childPath: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
        // On Linux the tests run from `ConcordPackageTests.xctest`, a file in the products dir.
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("storage-crash-child").path
    }

    /// Runs the child until it has acknowledged `acks` batches (plus a random few ms), kills it,
    /// and returns the last batch it acknowledged.
    static func runAndKill(_ dataDir: String, acks: Int, extraMicroseconds: UInt32) throws -> UInt64? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: childPath)
        process.arguments = [dataDir]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        var text = ""
        var seen = 0
        while seen < acks {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child ended on its own: an error, reported below
            text += String(decoding: chunk, as: UTF8.self)
            seen = text.split(separator: "\n").count
        }
        usleep(extraMicroseconds)
        kill(process.processIdentifier, SIGKILL)
        text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the child exited by itself: status \(process.terminationStatus)")
        // Only whole lines count: the kill may cut the last one.
        let lines = text.hasSuffix("\n") ? text.split(separator: "\n") : text.split(separator: "\n").dropLast()
        return lines.last.map { UInt64($0.dropFirst(4))! }
    }

    /// The state the first `batches` batches make, computed by the reference model.
    static func expected(after batches: UInt64) -> ReferenceModel {
        let model = ReferenceModel()
        guard batches > 0 else { return model }
        for number in 1...batches {
            for op in CrashWorkload.requests(batch: number) {
                switch op {
                case let .put(p): _ = model.put(p)
                case let .deleteRange(d): _ = model.deleteRange(d)
                case let .txn(t): _ = model.txn(t)
                case let .range(r): _ = model.range(r)
                }
            }
        }
        return model
    }

    @Test("SIGKILL at random moments loses no acknowledged batch and leaves a prefix of them applied")
    func killedManyTimes() throws {
        let dir = TemporaryDirectory()
        let data = DataDirectory(dir.path)
        var random = SeededGenerator(seed: 77)
        var acknowledged: UInt64 = 0
        // Coverage mark: kills that landed between the log append and the state apply.
        var killedBetweenLogAndState = 0
        for round in 0..<25 {
            let acks = Int.random(in: 1...30, using: &random)
            if let last = try Self.runAndKill(dir.path, acks: acks, extraMicroseconds: UInt32.random(in: 0...3000, using: &random)) {
                #expect(last > acknowledged || last == acknowledged && round > 0)
                acknowledged = max(acknowledged, last)
            }
            let log = try LogStorage(path: data.raftPath, mapSize: 256 << 20)
            let store = try MVCCStore(path: data.statePath, mapSize: 256 << 20, quotaBytes: 128 << 20)
            let lastIndex = try log.lastIndex()
            let status = try store.status()
            #expect(lastIndex >= acknowledged, "round \(round): log ends at \(lastIndex), batch \(acknowledged) was acknowledged")
            #expect(status.applied.index >= acknowledged, "round \(round): applied \(status.applied.index) < acknowledged \(acknowledged)")
            #expect(status.applied.index <= lastIndex)
            if status.applied.index < lastIndex { killedBetweenLogAndState += 1 }
            try Self.expectState(store, equals: Self.expected(after: status.applied.index), "round \(round) before recovery")
            try CrashWorkload.recover(log: log, store: store)
            try Self.expectState(store, equals: Self.expected(after: lastIndex), "round \(round) after recovery")
            #expect(try log.entries(from: 1, to: lastIndex + 1, maxBytes: .max).map(CrashWorkload.batchNumber) == Array(1...lastIndex))
            store.close()
            log.close()
        }
        #expect(acknowledged > 25)
        #expect(killedBetweenLogAndState > 0, "no kill landed between a log append and its apply")
    }

    @Test("SIGKILL during a snapshot restore leaves no data directory or a whole one, and the restore can run again")
    func killedDuringRestore() throws {
        let dir = TemporaryDirectory()
        let source = try SnapshotTests.populatedStore(dir.sub("source"), keys: 20_000)
        try SnapshotFile.create(from: source, confState: ConfState(voters: [1]), to: dir.sub("snap"))
        let expected = try SnapshotTests.everything(source)
        let started = Date()
        try SnapshotFile.restore(dir.sub("snap"), into: dir.sub("reference"))
        let restoreMicroseconds = UInt32(Date().timeIntervalSince(started) * 1_000_000)

        var random = SeededGenerator(seed: 78)
        var outcomes: [String: Int] = [:]
        for round in 0..<8 {
            let destination = dir.sub("restored\(round)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.childPath)
            process.arguments = ["restore", dir.sub("snap"), destination]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // Process start-up is part of the window: aim anywhere from before the restore
            // begins to after it ends.
            usleep(UInt32.random(in: 0...(restoreMicroseconds * 2 + 20_000), using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            if FileManager.default.fileExists(atPath: destination) {
                outcomes["complete", default: 0] += 1
            } else {
                outcomes["absent", default: 0] += 1
                try SnapshotFile.restore(dir.sub("snap"), into: destination)
            }
            let data = DataDirectory(destination)
            let store = try MVCCStore(path: data.statePath)
            #expect(try SnapshotTests.everything(store) == expected, "round \(round)")
            store.close()
            let log = try LogStorage(path: data.raftPath)
            #expect(try log.firstIndex() == (try source.status().applied.index) + 1, "round \(round)")
            log.close()
        }
        #expect(outcomes["absent", default: 0] > 0, "no kill landed before the rename: \(outcomes)")
    }

    static func expectState(_ store: MVCCStore, equals model: ReferenceModel, _ when: String) throws {
        let all = RangeRequest(key: [0], rangeEnd: [0])
        #expect(try store.range(all) == model.range(all).get(), "\(when)")
        #expect(try store.status().revision == model.revision, "\(when)")
    }
}
