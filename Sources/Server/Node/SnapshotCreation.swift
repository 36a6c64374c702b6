import Foundation
import Raft
import Storage

/// A snapshot the run loop began (`SnapshotCopy.begin`, at its applied index) and a thread of
/// its own finishes (compressing and writing take as long as the state is large). The loop
/// polls `outcome` each turn and records the file in the log once it is there; it never waits.
final class SnapshotCreation: @unchecked Sendable {
    /// The configuration at the snapshot's index, for the log's record.
    let confState: ConfState
    let index: UInt64
    private let condition = NSCondition()
    private var result: Result<SnapshotHeader, any Error>?  // guarded by `condition`

    /// Starts finishing `copy` on a new thread.
    init(_ copy: SnapshotCopy, confState: ConfState) {
        self.confState = confState
        index = copy.header.raftIndex
        let thread = Thread { [self] in
            let result = Result { try copy.finish() }
            condition.lock()
            self.result = result
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "snapshot \(copy.header.raftIndex)"
        thread.start()
    }

    /// The finished file's header or why it failed; `nil` while it is being written.
    var outcome: Result<SnapshotHeader, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        return result
    }

    /// Waits until the file is written or failed: the state environment must not be closed
    /// while the copy still reads it (a stopping member waits here).
    func wait() {
        condition.lock()
        while result == nil { condition.wait() }
        condition.unlock()
    }
}
