import NIOConcurrencyHelpers
import NIOCore

/// The run loop's inbox: a bounded queue filled from any thread and taken whole by the loop's
/// turn, which runs as a task on the loop's event loop.
///
/// Only the first event after a turn has taken the queue schedules the next turn, so a burst of
/// events costs one task and at most one wake-up of the loop. Events posted from the loop's own
/// event loop (the peer transport's reads) schedule without any wake-up: the turn runs after
/// the reads of that event-loop tick, and takes all of them at once.
final class NodeMailbox: @unchecked Sendable {
    private let lock = NIOLock()
    // Guarded by `lock`:
    private var events: [NodeEvent] = []
    private var closed = false
    private var turnScheduled = false
    /// Set by `open`; until then events only queue.
    private var scheduleTurn: (@Sendable () -> Void)?

    /// From now on the first event of a turn calls `scheduleTurn`; when events are already
    /// waiting, it is called at once.
    func open(scheduleTurn: @escaping @Sendable () -> Void) {
        let waiting = lock.withLock { () -> Bool in
            precondition(self.scheduleTurn == nil, "the mailbox opened twice")
            self.scheduleTurn = scheduleTurn
            guard !closed, !events.isEmpty, !turnScheduled else { return false }
            turnScheduled = true
            return true
        }
        if waiting { scheduleTurn() }
    }

    /// Queues `event`; false when the mailbox is full or closed.
    func post(_ event: NodeEvent) -> Bool {
        let (queued, schedule) = lock.withLock { () -> (Bool, (@Sendable () -> Void)?) in
            guard !closed, events.count < NodeLimits.mailboxEventsMax else { return (false, nil) }
            events.append(event)
            guard let scheduleTurn, !turnScheduled else { return (true, nil) }
            turnScheduled = true
            return (true, scheduleTurn)
        }
        schedule?()
        return queued
    }

    /// Takes every event waiting (possibly none: a timer's turn); the next event schedules a new
    /// turn. Returns nil once closed.
    func take() -> [NodeEvent]? {
        lock.withLock {
            turnScheduled = false
            if closed { return nil }
            let taken = events
            events.removeAll(keepingCapacity: true)
            return taken
        }
    }

    var isClosed: Bool { lock.withLock { closed } }

    /// Stops the loop; returns what was still queued so that its callers can be failed.
    func close() -> [NodeEvent] {
        lock.withLock {
            closed = true
            let left = events
            events.removeAll()
            return left
        }
    }
}
