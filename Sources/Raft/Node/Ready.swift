/// Everything the core asks the host to do, taken in one piece by `RawNode.ready()`.
///
/// The host handles a `Ready` in this order:
/// 1. send `messages` (they may leave at once: the leader's appends, thesis §10.2.1);
/// 2. persist `hardState`, `entries` (replacing any held entries from the first one's index on)
///    and `snapshot`, durably when `mustSync`;
/// 3. send `messagesAfterPersist` (votes and acknowledgements speak for what is now on disk);
/// 4. apply `snapshot` and then `committedEntries` to the state machine, and answer `readStates`
///    once the applied index reaches theirs;
/// 5. call `RawNode.advance(_:)` with this `Ready`.
public struct Ready: Sendable {
    /// Role and leader, when they changed since the last `Ready`.
    public var softState: SoftState?
    /// The hard state to persist, when it changed.
    public var hardState: HardState?
    public var entries: [Entry] = []
    public var snapshot: Snapshot?
    /// Entries committed and persisted, to apply in order.
    public var committedEntries: [Entry] = []
    public var messages: [Message] = []
    public var messagesAfterPersist: [Message] = []
    public var readStates: [ReadState] = []

    /// Whether step 2 needs an fsync: a new term or vote, new entries or a snapshot.
    public var mustSync: Bool = false

    public var isEmpty: Bool {
        softState == nil && hardState == nil && entries.isEmpty && snapshot == nil && committedEntries.isEmpty
            && messages.isEmpty && messagesAfterPersist.isEmpty && readStates.isEmpty
    }
}

/// What a member is now; volatile, never persisted.
public struct SoftState: Equatable, Sendable {
    public var role: Role
    public var leader: NodeID
}
