import Foundation
import Glibc
import NIOCore
import NIOPosix
import Raft
import Storage

/// One member's run loop: the only thread that touches the Raft core, the log environment's
/// writes and the state environment's applies.
///
/// Each turn it takes everything waiting (group commit: all proposals that arrived during the
/// previous turn become one batch, one log transaction, one fsync), feeds the core, and carries
/// out its `Ready`s: leader appends leave before the log write, acknowledgements after it,
/// committed entries are applied in one state transaction with their index, and waiting
/// proposals and reads complete. Reads themselves are served by the caller from a read
/// transaction, never behind this loop's writes.
///
/// Turns run as tasks on one event loop, which the peer transport's connections should share:
/// a peer's message is then read, stepped and answered on one thread, and a leader's appends
/// are written to the sockets inline, before its own log write. Handing each message between
/// an I/O thread and a loop thread cost about a dozen context switches per replicated write,
/// the largest share of a member's CPU at one client. The loop blocks on its fsyncs; the peer
/// connections it shares the thread with wait for the loop anyway.
public final class RaftNode: @unchecked Sendable {
    public let configuration: NodeConfiguration
    let mailbox: NodeMailbox
    let node: RawNode
    let log: LogStorage
    let store: MVCCStore
    let applier: any EntryApplier
    let peers: any PeerSender
    let snapshots: SnapshotDirectory
    let snapshotSender: SnapshotSender
    /// The event loop every turn runs on.
    let eventLoop: EventLoop
    /// The loop's own group, when the caller gave none; shut down by `stop`.
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private var started = false
    private var tickTask: RepeatedTask?
    /// The held-back commit notices' send, when scheduled.
    private var commitNoticeTask: Scheduled<Void>?

    // Loop-thread state.
    var appliedIndex: UInt64
    /// The snapshot being written off the loop, if any (one at a time).
    var creation: SnapshotCreation?
    /// The applied index the last automatic snapshot was started at (made or failed).
    var lastSnapshotAttempt: UInt64 = 0
    /// The log's snapshot record names no file (a data directory `concord snapshot restore`
    /// built): a follower that needs a snapshot could get none, so one is made as soon as an
    /// entry is applied after it, not `snapshotCount` entries later.
    var snapshotFileMissing = false
    private var proposalIDs: ProposalIDGenerator
    var waitingProposals: [UInt64: Waiter] = [:]
    private var readBatches: [ReadBatch] = []
    private var nextReadBatch: UInt64 = 1
    /// Defragment requests that arrived this turn; carried out after its applies.
    var defragmentWaiters: [@Sendable (Result<Void, any Error>) -> Void] = []

    /// What the loop measures of itself, for `/metrics`.
    public let metrics = NodeMetrics()
    lazy var slowWarnings = SlowWarningLimiter(interval: configuration.slowWarningInterval)

    private let statusLock = NSLock()
    private var publishedStatus: NodeStatus

    struct Waiter {
        var deadline: ContinuousClock.Instant
        var completion: @Sendable (Result<AppliedProposal, NodeError>) -> Void
    }

    struct ReadWaiter {
        var deadline: ContinuousClock.Instant
        var completion: @Sendable (Result<UInt64, NodeError>) -> Void
    }

    /// Reads that share one read index request.
    struct ReadBatch {
        var id: UInt64
        var index: UInt64?
        var waiters: [ReadWaiter]
        var requestedAt: ContinuousClock.Instant
    }

    /// Opens the member over its log and state environments and its snapshot files; `start()`
    /// runs it on `eventLoop` (without one, on a thread of its own). An installation of a
    /// snapshot that a crash interrupted is finished first.
    public init(configuration: NodeConfiguration, log: LogStorage, store: MVCCStore, snapshots: SnapshotDirectory,
                applier: any EntryApplier, peers: any PeerSender, eventLoop: EventLoop? = nil) throws {
        precondition(configuration.snapshotCount > 0, "a snapshot every 0 entries")
        if let eventLoop {
            self.eventLoop = eventLoop
            ownedGroup = nil
        } else {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            self.eventLoop = group.next()
            ownedGroup = group
        }
        self.configuration = configuration
        self.log = log
        self.store = store
        self.applier = applier
        self.peers = peers
        self.snapshots = snapshots
        let mailbox = NodeMailbox()
        self.mailbox = mailbox
        snapshotSender = SnapshotSender(directory: snapshots, peers: peers) { member in
            _ = mailbox.post(.snapshotSent(member, success: false))
        }
        snapshots.removeLeftovers()
        try Self.finishInterruptedInstallation(log: log, store: store, snapshots: snapshots, report: configuration.report)
        appliedIndex = try store.status().applied.index
        let recorded = try log.snapshot()
        lastSnapshotAttempt = recorded.metadata.index
        snapshotFileMissing = !recorded.isEmpty && snapshots.path(of: recorded) == nil
        node = RawNode(configuration: configuration.raftConfiguration(applied: appliedIndex), storage: log)
        proposalIDs = ProposalIDGenerator(memberID: configuration.memberID)
        let status = node.status
        publishedStatus = NodeStatus(role: status.role, leader: status.leader, term: status.hardState.term,
                                     commitIndex: status.hardState.commit, appliedIndex: appliedIndex,
                                     firstIndex: try log.firstIndex(), config: status.config, matchIndex: [:])
    }

    // MARK: Life cycle

    public func start() {
        precondition(!started, "started twice")
        started = true
        let tick = TimeAmount.nanoseconds(configuration.heartbeatInterval.nanoseconds)
        eventLoop.execute { [self] in
            ThreadName.set("raft-loop")
            // The loop is the state's only regular writer: its applies skip the writer thread.
            store.environment.letCurrentThreadWriteDirectly()
            tickTask = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [self] _ in turn(ticked: true) }
            let eventLoop = eventLoop
            let yieldsToLoop = configuration.yieldsToClientLoops
            mailbox.open {
                eventLoop.execute { self.turn(ticked: false) }
                // A client event loop that shares the processor with this loop hands it over
                // once the reads of its current tick are done (a task runs after them), so that
                // the turn takes all they proposed and starts at once instead of after the rest of
                // the client loop's tick.
                if yieldsToLoop, !eventLoop.inEventLoop, let poster = MultiThreadedEventLoopGroup.currentEventLoop {
                    poster.execute { sched_yield() }
                }
            }
        }
    }

    /// Stops the loop and fails everything still waiting with "server stopped". Not to be
    /// called on the loop's event loop.
    public func stop() {
        for event in mailbox.close() { fail(event, .stopped) }
        if started {
            let finished = eventLoop.submit { [self] in
                tickTask?.cancel()
                commitNoticeTask?.cancel()
                failEverythingWaiting(.stopped)
                // The copy reads the state environment, which the owner closes once this returns.
                creation?.wait()
                collectSnapshot()
            }
            try? finished.wait()
        }
        try? ownedGroup?.syncShutdownGracefully()
    }

    // MARK: Requests (any thread)

    /// Proposes `payload`; `completion` runs on the loop's thread once it is applied on this
    /// member (with the applier's result) or has failed.
    public func propose(_ payload: [UInt8], deadline: ContinuousClock.Instant, completion: @escaping @Sendable (Result<AppliedProposal, NodeError>) -> Void) {
        let event = NodeEvent.propose(payload: payload, deadline: deadline, completion: completion)
        if !mailbox.post(event) { fail(event, .tooManyRequests) }
    }

    public func propose(_ payload: [UInt8], timeout: Duration) async throws(NodeError) -> AppliedProposal {
        let result = await withCheckedContinuation { continuation in
            propose(payload, deadline: .now + timeout) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Proposes a membership change; `completion` runs once this member has applied it.
    public func proposeConfChange(_ change: ConfChange, timeout: Duration) async throws(NodeError) {
        let result = await withCheckedContinuation { continuation in
            let event = NodeEvent.proposeConfChange(change, deadline: .now + timeout) { continuation.resume(returning: $0) }
            if !mailbox.post(event) { fail(event, .tooManyRequests) }
        }
        _ = try result.get()
    }

    /// Waits until this member has applied everything committed when the read arrived
    /// (ReadIndex); `completion` gets that index. The caller then reads its own snapshot.
    public func linearizableRead(deadline: ContinuousClock.Instant, completion: @escaping @Sendable (Result<UInt64, NodeError>) -> Void) {
        let event = NodeEvent.read(deadline: deadline, completion: completion)
        if !mailbox.post(event) { fail(event, .tooManyRequests) }
    }

    public func linearizableRead(timeout: Duration) async throws(NodeError) -> UInt64 {
        let result = await withCheckedContinuation { continuation in
            linearizableRead(deadline: .now + timeout) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// A message from a peer (the transport calls this on its own threads).
    public func receive(_ message: Message) {
        _ = mailbox.post(.message(message))
    }

    public func reportUnreachable(_ member: NodeID) {
        _ = mailbox.post(.unreachable(member))
    }

    public func reportSnapshot(to member: NodeID, success: Bool) {
        _ = mailbox.post(.snapshotSent(member, success: success))
    }

    public func transferLeadership(to member: NodeID) {
        _ = mailbox.post(.transferLeadership(member))
    }

    /// The member's state as of the loop's last turn.
    public var status: NodeStatus {
        statusLock.lock()
        defer { statusLock.unlock() }
        return publishedStatus
    }

    private func fail(_ event: NodeEvent, _ error: NodeError) {
        switch event {
        case .propose(_, _, let completion): completion(.failure(error))
        case .proposeConfChange(_, _, let completion): completion(.failure(error))
        case .read(_, let completion): completion(.failure(error))
        case .defragment(let completion): completion(.failure(error))
        default: break
        }
    }

    // MARK: The loop

    /// One turn: everything waiting, then the core's work. `ticked`: the heartbeat timer's
    /// turn, which also advances the core's clock.
    private func turn(ticked: Bool) {
        eventLoop.assertInEventLoop()
        guard let events = mailbox.take() else { return }
        handle(events)
        if ticked {
            let now = ContinuousClock.now
            node.tick()
            expireDeadlines(now: now)
            retryUnansweredReads(now: now)
        }
        handleReadies()
        scheduleCommitNotices()
        collectSnapshot()
        maybeStartSnapshot()
        removeCompactedHistory()
        defragmentIfAsked()
        publishStatus()
    }

    private func handle(_ events: [NodeEvent]) {
        var batch: [[UInt8]] = []
        var batchWaiters: [(UInt64, Waiter)] = []
        var reads: [ReadWaiter] = []
        for event in events {
            switch event {
            case .message(let message):
                if case .snapshot = message.payload {
                    guard let stored = storeReceivedSnapshot(message) else { continue }
                    node.step(stored)
                } else {
                    node.step(message)
                }
            case .propose(let payload, let deadline, let completion):
                guard waitingProposals.count + batch.count < NodeLimits.waitingProposalsMax else {
                    completion(.failure(.tooManyRequests))
                    continue
                }
                let id = proposalIDs.take()
                batch.append(ProposalEnvelope.wrap(id: id, payload))
                batchWaiters.append((id, Waiter(deadline: deadline, completion: completion)))
                if batch.count == NodeLimits.proposalsPerBatchMax {
                    submit(batch, batchWaiters)
                    batch.removeAll(keepingCapacity: true)
                    batchWaiters.removeAll(keepingCapacity: true)
                }
            case .proposeConfChange(var change, let deadline, let completion):
                let id = proposalIDs.take()
                change.context = ProposalEnvelope.wrap(id: id, change.context)
                do {
                    try node.proposeConfChange(change)
                    waitingProposals[id] = Waiter(deadline: deadline, completion: completion)
                } catch {
                    completion(.failure(Self.nodeError(error)))
                }
            case .read(let deadline, let completion):
                reads.append(ReadWaiter(deadline: deadline, completion: completion))
            case .unreachable(let member):
                node.reportUnreachable(member)
            case .snapshotSent(let member, let success):
                node.reportSnapshot(to: member, success: success)
            case .transferLeadership(let member):
                try? node.transferLeadership(to: member)
            case .defragment(let completion):
                defragmentWaiters.append(completion)
            }
        }
        if !batch.isEmpty { submit(batch, batchWaiters) }
        if !reads.isEmpty { submitReads(reads) }
    }

    private func submit(_ batch: [[UInt8]], _ waiters: [(UInt64, Waiter)]) {
        do {
            try node.propose(batch)
            for (id, waiter) in waiters { waitingProposals[id] = waiter }
        } catch {
            for (_, waiter) in waiters { waiter.completion(.failure(Self.nodeError(error))) }
        }
    }

    private func submitReads(_ reads: [ReadWaiter]) {
        do {
            let id = try requestReadIndex()
            readBatches.append(ReadBatch(id: id, index: nil, waiters: reads, requestedAt: .now))
        } catch {
            for read in reads { read.completion(.failure(Self.nodeError(error))) }
        }
    }

    /// Asks the core for a read index under a fresh batch ID; the read's context is the batch
    /// ID, laid out as a proposal's ID is.
    private func requestReadIndex() throws(ProposalError) -> UInt64 {
        let id = nextReadBatch
        nextReadBatch += 1
        try node.readIndex(context: ProposalEnvelope.wrap(id: id, []))
        return id
    }

    /// A read index request or its answer can be lost on the way to or from the leader (a
    /// dropped message, a leader change); batches still unanswered after `readRetryInterval`
    /// ask again under a new ID, as etcd does, instead of waiting for their deadline.
    private func retryUnansweredReads(now: ContinuousClock.Instant) {
        for i in readBatches.indices where readBatches[i].index == nil && now - readBatches[i].requestedAt >= NodeLimits.readRetryInterval {
            guard let id = try? requestReadIndex() else { continue }
            readBatches[i].id = id
            readBatches[i].requestedAt = now
        }
    }

    static func nodeError(_ error: ProposalError) -> NodeError {
        switch error {
        case .noLeader: .noLeader
        case .tooManyUncommittedEntries, .tooManyPendingReads: .tooManyRequests
        case .leaderTransferInProgress: .leaderChanged
        default: .refused(error)
        }
    }

    private func handleReadies() {
        while node.hasReady {
            let ready = node.ready()
            if !ready.messages.isEmpty { send(ready.messages) }
            // The core hands out only committed entries its log already holds durably, so they
            // may be applied before this Ready's own log write. A leader does so: its callers are
            // answered without waiting for the fsync of the entries that arrived since (etcd
            // applies concurrently with it). The state may then be ahead of the commit index the
            // log holds; at restart the core starts from the lower of the two, and the entries the
            // state holds are skipped. A follower's acknowledgement is what the leader's callers
            // wait for, so a follower applies after it has written and acknowledged.
            let applyFirst = ready.messagesAfterPersist.isEmpty || ready.snapshot != nil
            if applyFirst { apply(ready.committedEntries) }
            // A snapshot's hard state is stored with it, in the same log transaction.
            if let snapshot = ready.snapshot { install(snapshot, hardState: ready.hardState) }
            let hardState = ready.snapshot == nil ? ready.hardState : nil
            if !ready.entries.isEmpty || hardState != nil {
                do {
                    let started = ContinuousClock.now
                    try log.save(entries: ready.entries, hardState: hardState, sync: ready.mustSync)
                    recordLogSave(startedAt: started, entries: ready.entries.count)
                } catch {
                    // The log cannot be written: nothing may be acknowledged any more.
                    fatalError("raft log write failed: \(error)")
                }
            }
            if !ready.messagesAfterPersist.isEmpty { send(ready.messagesAfterPersist) }
            if !applyFirst { apply(ready.committedEntries) }
            recordReadStates(ready.readStates)
            node.advance(ready)
        }
        completeReads()
    }

    private func scheduleCommitNotices() {
        guard node.commitNoticeOwed, commitNoticeTask == nil else { return }
        let delay = TimeAmount.nanoseconds(configuration.commitNoticeDelay.nanoseconds)
        commitNoticeTask = eventLoop.scheduleTask(in: delay) { [self] in
            commitNoticeTask = nil
            guard !mailbox.isClosed else { return }
            node.sendCommitNotices()
            handleReadies()
        }
    }

    /// One bounded step of removing compacted history per turn, so that a large compaction
    /// never holds up proposals behind one long write transaction.
    private func removeCompactedHistory() {
        do {
            if try store.compactionPending() { try store.compactStep() }
        } catch {
            fatalError("member \(configuration.memberID) cannot remove compacted history: \(error)")
        }
    }

    private func recordReadStates(_ states: [ReadState]) {
        for state in states {
            guard let id = ProposalEnvelope.unwrap(state.context)?.id,
                  let position = readBatches.firstIndex(where: { $0.id == id }) else { continue }
            readBatches[position].index = state.index
        }
    }

    private func completeReads() {
        readBatches.removeAll { batch in
            guard let index = batch.index, index <= appliedIndex else { return false }
            for waiter in batch.waiters { waiter.completion(.success(index)) }
            return true
        }
    }

    private func expireDeadlines(now: ContinuousClock.Instant) {
        for (id, waiter) in waitingProposals where waiter.deadline <= now {
            waitingProposals[id] = nil
            waiter.completion(.failure(.timeout))
        }
        for i in readBatches.indices {
            readBatches[i].waiters.removeAll { waiter in
                guard waiter.deadline <= now else { return false }
                waiter.completion(.failure(.timeout))
                return true
            }
        }
        readBatches.removeAll { $0.waiters.isEmpty }
    }

    private func failEverythingWaiting(_ error: NodeError) {
        for (_, waiter) in waitingProposals { waiter.completion(.failure(error)) }
        waitingProposals.removeAll()
        for batch in readBatches { for waiter in batch.waiters { waiter.completion(.failure(error)) } }
        readBatches.removeAll()
        for waiter in defragmentWaiters { waiter(.failure(error)) }
        defragmentWaiters.removeAll()
    }

    private func publishStatus() {
        let status = node.status
        let published = NodeStatus(role: status.role, leader: status.leader, term: status.hardState.term,
                                   commitIndex: status.hardState.commit, appliedIndex: appliedIndex,
                                   firstIndex: (try? log.firstIndex()) ?? 0, config: status.config,
                                   matchIndex: status.progress.mapValues(\.match))
        // Only this thread writes the published status, so reading it here needs no lock.
        let previousVoters = publishedStatus.config.voters.count
        metrics.recordTurn(leader: status.leader, proposalsPending: waitingProposals.count)
        statusLock.lock()
        publishedStatus = published
        statusLock.unlock()
        if status.config.voters.count != previousVoters {
            configuration.report(.votersChanged(voters: status.config.voters.count))
        }
    }
}

extension Duration {
    /// The duration in seconds, for APIs that take a `TimeInterval`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A member's state for status output.
public struct NodeStatus: Sendable, Equatable {
    public var role: Role
    public var leader: NodeID
    public var term: UInt64
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    /// The first entry the log holds: everything before it was compacted into a snapshot.
    public var firstIndex: UInt64
    public var config: ConfState
    /// On the leader, how far each member's log is known to match its own (itself included);
    /// empty on other members. A learner is promoted only once it has nearly caught up.
    public var matchIndex: [NodeID: UInt64]
}
