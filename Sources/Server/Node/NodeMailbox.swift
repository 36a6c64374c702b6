import Foundation

/// The run loop's inbox: a bounded queue with a condition variable, filled from any thread and
/// drained whole by the loop.
final class NodeMailbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [NodeEvent] = []
    private var closed = false

    /// Queues `event`; false when the mailbox is full or closed.
    func post(_ event: NodeEvent) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, events.count < NodeLimits.mailboxEventsMax else { return false }
        events.append(event)
        condition.signal()
        return true
    }

    /// Takes every event waiting, waiting until `deadline` for the first one. Returns nil once closed.
    func drain(waitingUntil deadline: Date) -> [NodeEvent]? {
        condition.lock()
        defer { condition.unlock() }
        while events.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if closed { return nil }
        let taken = events
        events.removeAll(keepingCapacity: true)
        return taken
    }

    /// Stops the loop; returns what was still queued so that its callers can be failed.
    func close() -> [NodeEvent] {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        let left = events
        events.removeAll()
        return left
    }
}
