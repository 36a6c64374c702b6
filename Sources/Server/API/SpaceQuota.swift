import EtcdAPI
import Foundation
import Storage

/// The space quota (etcd's `--quota-backend-bytes`) and its NOSPACE alarm.
///
/// A write that would take live data past the quota is refused, and this member raises the
/// NOSPACE alarm through the log so that every member lists it. Unlike etcd, the alarm clears
/// itself (SPEC B8): the quota counts live pages, and once deletes and compaction free them, the
/// next write that fits disarms the alarm. No defragment, no manual disarm needed.
final class SpaceQuota: @unchecked Sendable {
    private let node: RaftNode
    private let store: MVCCStore
    private let memberID: UInt64
    private let lock = NSLock()
    /// Whether this member has raised NOSPACE and not yet seen it cleared.
    private var raised: Bool

    init(node: RaftNode, store: MVCCStore, memberID: UInt64) {
        self.node = node
        self.store = store
        self.memberID = memberID
        let alarms = (try? ClusterRecords.alarms(in: store)) ?? []
        raised = alarms.contains { $0.memberID == memberID && $0.alarm == .nospace }
    }

    /// Whether a write of about `bytes` fits; raises or clears the alarm as the answer changes.
    func admits(bytes: Int) -> Bool {
        let fits = (try? store.checkQuota(requestBytes: bytes)) != nil
        lock.lock()
        let changed = raised == fits
        if changed { raised = !fits }
        lock.unlock()
        if changed { propose(fits ? .deactivate : .activate) }
        return fits
    }

    private func propose(_ action: Etcdserverpb_AlarmRequest.AlarmAction) {
        var request = Etcdserverpb_AlarmRequest()
        request.action = action
        request.memberID = memberID
        request.alarm = .nospace
        // Best effort: a failed proposal is retried by the next write that sees the change.
        node.propose(ReplicatedRequest.alarm(request).encoded(), deadline: .now + .seconds(5)) { [self] result in
            if case .failure = result {
                lock.lock()
                raised = action == .deactivate
                lock.unlock()
            }
        }
    }
}
