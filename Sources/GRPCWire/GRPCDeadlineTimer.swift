import NIOCore

/// One timer for the deadlines of every call on a connection.
///
/// A timer per call cost each unary call a scheduled task, a promise and two trips through the
/// event loop's locked task heap. The deadlines of one connection mostly come from one client
/// timeout, so they arrive in increasing order: a timer armed for the earliest deadline is
/// enough, and a call that ends before its deadline costs nothing. When the timer fires, the
/// owner ends the calls that are overdue and arms it again for the earliest deadline left.
/// Used on the connection's event loop only.
struct GRPCDeadlineTimer {
    private var scheduled: Scheduled<Void>?
    /// When the armed timer fires; nil when none is armed.
    private(set) var armedFor: NIODeadline?

    /// Makes sure the timer fires no later than `deadline`: a timer armed for an earlier or
    /// equal time is kept (the common case, and free); a later one is replaced.
    mutating func arm(for deadline: NIODeadline, on eventLoop: any EventLoop, fire: @escaping () -> Void) {
        if let armedFor, armedFor <= deadline { return }
        self.scheduled?.cancel()
        self.armedFor = deadline
        // assumeIsolated: checks that this runs on the loop, and lets `fire` be a closure over
        // loop-bound state.
        self.scheduled = eventLoop.assumeIsolated().scheduleTask(deadline: deadline, fire)
    }

    /// The armed timer ran: nothing is armed until the next ``arm(for:on:fire:)``.
    mutating func fired() {
        self.scheduled = nil
        self.armedFor = nil
    }

    /// Splits `calls` into those whose deadline has passed and the earliest deadline of the
    /// others: what the owner expires, and what it arms the timer for next.
    static func overdue<Call>(
        _ calls: some Sequence<Call>, deadline: (Call) -> NIODeadline?
    ) -> (overdue: [Call], earliestLeft: NIODeadline?) {
        let now = NIODeadline.now()
        var overdue: [Call] = []
        var earliestLeft: NIODeadline?
        for call in calls {
            guard let callDeadline = deadline(call) else { continue }
            if callDeadline <= now {
                overdue.append(call)
            } else if earliestLeft.map({ callDeadline < $0 }) ?? true {
                earliestLeft = callDeadline
            }
        }
        return (overdue, earliestLeft)
    }

    mutating func cancel() {
        self.scheduled?.cancel()
        self.fired()
    }
}
