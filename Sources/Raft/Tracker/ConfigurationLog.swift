/// The configurations the log defines: the one in force at a committed point (`base`) and one per
/// configuration entry after it.
///
/// Raft thesis §4.1: "a server always uses the latest configuration in its log, regardless of
/// whether the entry is committed". So a configuration starts to count when its entry is appended,
/// and stops when a new leader's log truncates the entry away; then the previous one counts again.
struct ConfigurationLog {
    private(set) var base: ConfState
    private(set) var baseIndex: UInt64
    private(set) var pending: [(index: UInt64, conf: ConfState)] = []

    init(base: ConfState, index: UInt64) {
        self.base = base
        baseIndex = index
    }

    var current: ConfState { pending.last?.conf ?? base }

    /// The index of the latest configuration entry not yet folded into `base` (uncommitted).
    var latestPendingIndex: UInt64? { pending.last?.index }

    /// Applies the configuration entries among `entries` (just appended). A change that does not
    /// apply to the configuration before it is a no-op on every member alike, since every member
    /// sees the same log prefix. Returns whether the configuration changed.
    mutating func appended(_ entries: some Collection<Entry>) -> Bool {
        var changed = false
        for entry in entries where entry.kind == .configChange {
            guard let change = ConfChange(encoded: entry.data),
                  case .success(let next) = current.applying(change) else { continue }
            pending.append((entry.index, next))
            changed = true
        }
        return changed
    }

    /// Entries at or after `index` were removed from the log. Returns whether the configuration changed.
    mutating func truncated(from index: UInt64) -> Bool {
        let before = pending.count
        pending.removeAll { $0.index >= index }
        return pending.count != before
    }

    /// Entries up to `index` are committed: their configurations can never be undone.
    mutating func committed(upTo index: UInt64) {
        guard let last = pending.lastIndex(where: { $0.index <= index }) else { return }
        base = pending[last].conf
        baseIndex = pending[last].index
        pending.removeFirst(last + 1)
    }

    /// The log was replaced by a snapshot.
    mutating func restore(_ metadata: SnapshotMetadata) {
        base = metadata.confState
        baseIndex = metadata.index
        pending.removeAll()
    }
}
