import Foundation
import Raft
import Storage

/// Automatic snapshots, log compaction and installing a leader's snapshot (SPEC F10).
///
/// The log's snapshot record holds the name of a file in `<data-dir>/snap/` (`SnapshotDirectory`);
/// the file is the state at the record's index. Installing a snapshot is three durable steps,
/// in this order:
/// 1. the received file is written whole and synced, and checked (`SnapshotFile.save`);
/// 2. the log is replaced by the record naming it, with the hard state (one log transaction);
/// 3. the state environment's contents are replaced by the file's (one state transaction that
///    carries the applied index with the data, `MVCCStore.install`).
/// A crash before 2 leaves the old log and the old state (and a file nobody names). A crash
/// between 2 and 3 — or an OS crash that undoes 3's commit, which is not synced on its own —
/// leaves a log whose snapshot is ahead of the state's applied index: at start
/// (`finishInterruptedInstallation`) the state is replaced from the file the log names before
/// anything runs. After 3 both agree. The state is never a mix: step 3 is one transaction.
///
/// The same start-up check covers the member's own snapshots: the log is compacted only up to
/// a snapshot's index, so should a state commit be lost past the compaction point, the file
/// brings the state back to the snapshot and the log replays the rest.
extension RaftNode {
    /// Replaces the state by the snapshot the log records when the state is behind it: a crash
    /// interrupted an installation (see above). Runs before the member does anything else.
    static func finishInterruptedInstallation(log: LogStorage, store: MVCCStore, snapshots: SnapshotDirectory,
                                              report: (NodeReport) -> Void) throws {
        let recorded = try log.snapshot()
        let applied = try store.status().applied.index
        guard recorded.metadata.index > applied else { return }
        guard let path = snapshots.path(of: recorded) else {
            throw StorageError.corrupted("the log starts after index \(recorded.metadata.index) but names no snapshot file for the state (applied index \(applied))")
        }
        let header = try store.install(snapshot: path, scratchDirectory: snapshots.scratchPath)
        precondition(header.raftIndex == recorded.metadata.index && header.raftTerm == recorded.metadata.term,
                     "snapshot file \(path) holds index \(header.raftIndex) term \(header.raftTerm), the log records \(recorded.metadata)")
        report(.snapshotInstalled(index: header.raftIndex, term: header.raftTerm))
    }

    // MARK: Automatic snapshots

    /// Every `snapshotCount` applied entries: begins a snapshot at the applied index (the loop
    /// is the state's only writer, so nothing moves it while the copy starts) and leaves the
    /// rest to another thread.
    func maybeStartSnapshot() {
        let due = appliedIndex >= lastSnapshotAttempt + configuration.snapshotCount
            || (snapshotFileMissing && appliedIndex > lastSnapshotAttempt)
        guard creation == nil, due else { return }
        lastSnapshotAttempt = appliedIndex
        snapshotFileMissing = false
        do {
            let confState = try applier.confState(in: store)
            let path = snapshots.path(term: try log.term(at: appliedIndex), index: appliedIndex)
            let copy = try SnapshotCopy.begin(from: store, confState: confState, to: path)
            precondition(copy.header.raftIndex == appliedIndex, "snapshot copy at \(copy.header.raftIndex), applied index \(appliedIndex): another writer applied entries")
            creation = SnapshotCreation(copy, confState: confState)
        } catch {
            configuration.report(.snapshotFailed(index: appliedIndex, error: "\(error)"))
        }
    }

    /// Once the file is written: records it in the log, compacts the log behind it (keeping
    /// `snapshotCatchUpEntries` for followers that lag a little) and removes older files.
    func collectSnapshot() {
        guard let creation, let outcome = creation.outcome else { return }
        self.creation = nil
        let header: SnapshotHeader
        switch outcome {
        case .failure(let error):
            configuration.report(.snapshotFailed(index: creation.index, error: "\(error)"))
            return
        case .success(let written):
            header = written
        }
        let name = SnapshotDirectory.fileName(term: header.raftTerm, index: header.raftIndex)
        do {
            guard header.raftIndex > (try log.snapshot()).metadata.index else {
                // A leader's snapshot was installed meanwhile, and it is newer.
                try? FileManager.default.removeItem(atPath: snapshots.path + "/" + name)
                return
            }
            let snapshot = try log.createSnapshot(at: header.raftIndex, confState: creation.confState, data: Array(name.utf8))
            precondition(snapshot.metadata.term == header.raftTerm, "snapshot file term \(header.raftTerm), log term \(snapshot.metadata.term) at \(header.raftIndex)")
            // Never past the snapshot: entries after it cannot come from anywhere else.
            let target = min(node.compactionIndex(retaining: configuration.snapshotCatchUpEntries), header.raftIndex)
            var compactedTo: UInt64?
            if target >= (try log.firstIndex()) {
                try log.compact(upTo: target)
                compactedTo = target
            }
            snapshots.removeOld(recorded: snapshot)
            configuration.report(.snapshotCreated(index: header.raftIndex, compactedTo: compactedTo))
        } catch {
            fatalError("member \(configuration.memberID) cannot record its snapshot at \(header.raftIndex) in the log: \(error)")
        }
    }

    // MARK: Sending

    /// Sends `messages`; snapshot messages go through the `SnapshotSender`, which puts the
    /// file's bytes in place of its name.
    func send(_ messages: [Message]) {
        let isSnapshot: (Message) -> Bool = { if case .snapshot = $0.payload { true } else { false } }
        guard messages.contains(where: isSnapshot) else {
            peers.send(messages)
            return
        }
        let regular = messages.filter { !isSnapshot($0) }
        if !regular.isEmpty { peers.send(regular) }
        for message in messages where isSnapshot(message) { snapshotSender.send(message) }
    }

    // MARK: Receiving and installing

    /// Step 1: a snapshot message from the leader carries the file's bytes; they are stored
    /// durably and checked, and the core gets the message with the file's name in their place
    /// (so it never holds the bytes). A snapshot the core will not install (it covers nothing
    /// new) is not stored. Returns `nil` when the bytes are not a valid snapshot of what the
    /// message says: the message is dropped.
    func storeReceivedSnapshot(_ message: Message) -> Message? {
        guard case .snapshot(var snapshot) = message.payload else { preconditionFailure("not a snapshot message") }
        let metadata = snapshot.metadata
        let name = SnapshotDirectory.fileName(term: metadata.term, index: metadata.index)
        if metadata.index > node.status.hardState.commit {
            do {
                let header = try SnapshotFile.save(snapshot.data, to: snapshots.path + "/" + name)
                guard header.raftIndex == metadata.index, header.raftTerm == metadata.term else {
                    throw SnapshotError.stateMismatch("file holds index \(header.raftIndex) term \(header.raftTerm), the message says \(metadata.index) term \(metadata.term)")
                }
            } catch {
                try? FileManager.default.removeItem(atPath: snapshots.path + "/" + name)
                configuration.report(.snapshotFailed(index: metadata.index, error: "snapshot from member \(message.from) refused: \(error)"))
                return nil
            }
        }
        snapshot.data = Array(name.utf8)
        var stored = message
        stored.payload = .snapshot(snapshot)
        return stored
    }

    /// Steps 2 and 3: the core restored its log to `snapshot` (whose data names the file stored
    /// in step 1); the log and then the state follow.
    func install(_ snapshot: Snapshot, hardState: HardState?) {
        guard let path = snapshots.path(of: snapshot) else { preconditionFailure("the core installs a snapshot that names no file") }
        do {
            try log.applySnapshot(snapshot, hardState: hardState)
            let header = try store.install(snapshot: path, scratchDirectory: snapshots.scratchPath)
            precondition(header.raftIndex == snapshot.metadata.index, "installed \(header.raftIndex), expected \(snapshot.metadata.index)")
            try applier.restored(from: store)
        } catch {
            // Half a step cannot be undone here; a restart finishes it from the file.
            fatalError("member \(configuration.memberID) cannot install the snapshot at \(snapshot.metadata.index): \(error)")
        }
        appliedIndex = snapshot.metadata.index
        lastSnapshotAttempt = snapshot.metadata.index
        snapshots.removeOld(recorded: snapshot)
        configuration.report(.snapshotInstalled(index: snapshot.metadata.index, term: snapshot.metadata.term))
    }
}
