/// The configuration in force on this member and the configuration entries of its log that it
/// does not yet know to be committed.
///
/// A configuration takes effect when the member learns that its entry is committed, as in etcd
/// (whose application calls `ApplyConfChange` once the entry is committed), and not when the entry
/// is appended, as Raft thesis §4.1 has it ("a server always uses the latest configuration in its
/// log"). With append-time configurations, the change {m1} → {m1, m2} of a one-member cluster
/// needs m2's acknowledgement to commit its own entry, so `member add` cannot return until the
/// new member runs, and etcd's users start it only after `member add` returned (the same holds
/// for a two-member cluster with one member down). At commit time the old configuration commits
/// the change. An entry a new leader truncates was never committed, so it never counted.
struct ConfigurationLog {
    /// The configuration of every committed configuration entry up to `inForceIndex`.
    private(set) var inForce: ConfState
    private(set) var inForceIndex: UInt64
    /// Configuration entries after `inForceIndex`, in log order, not yet known to be committed.
    private var pending: [(index: UInt64, change: ConfChange)] = []

    init(inForce: ConfState, index: UInt64) {
        self.inForce = inForce
        inForceIndex = index
    }

    /// Whether the log holds a configuration entry not yet known to be committed. A leader
    /// proposes no other change until it is (one change at a time).
    var hasUncommittedChange: Bool { !pending.isEmpty }

    /// Records the configuration entries among `entries` (just appended after the committed
    /// prefix); they count once committed.
    mutating func appended(_ entries: some Collection<Entry>) {
        for entry in entries where entry.kind == .configChange {
            precondition(entry.index > inForceIndex, "configuration entry \(entry.index) appended at or before committed \(inForceIndex)")
            precondition(entry.index > pending.last?.index ?? 0, "configuration entry \(entry.index) appended out of order")
            guard let change = ConfChange(encoded: entry.data) else { continue }
            pending.append((entry.index, change))
        }
    }

    /// Entries at or after `index` were removed from the log: they were never committed, so the
    /// configuration in force stays as it is.
    mutating func truncated(from index: UInt64) {
        precondition(index > inForceIndex, "truncation at \(index) of committed entries (committed \(inForceIndex))")
        pending.removeAll { $0.index >= index }
    }

    /// Entries up to `index` are committed: their changes take effect, in log order. A change that
    /// does not apply to the configuration before it is a no-op, on every member alike, since all
    /// members commit the same entries. Returns whether the configuration in force changed.
    mutating func committed(upTo index: UInt64) -> Bool {
        var changed = false
        while let first = pending.first, first.index <= index {
            pending.removeFirst()
            inForceIndex = first.index
            if case .success(let next) = inForce.applying(first.change) {
                inForce = next
                changed = true
            }
        }
        return changed
    }

    /// The log was replaced by a snapshot, which carries the configuration in force at its index.
    mutating func restore(_ metadata: SnapshotMetadata) {
        inForce = metadata.confState
        inForceIndex = metadata.index
        pending.removeAll()
    }
}
