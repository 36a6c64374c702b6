import Dispatch
import Foundation

/// The one thread on which an environment's write transactions run.
///
/// LMDB ties a write transaction to the thread that began it, and Swift tasks hop between
/// threads, so writes are handed to this thread and the caller waits. One thread per
/// environment also serializes writers without a lock of our own (LMDB's writer mutex is
/// never contended).
final class WriterThread: @unchecked Sendable {
    private struct Job: @unchecked Sendable {
        let work: () -> Void
        let done: DispatchSemaphore?
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []  // guarded by `condition`
    private var stopping = false  // guarded by `condition`
    private let exited = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(name: String) {
        let thread = Thread { [self] in
            ThreadName.set(name)
            loop()
        }
        self.thread = thread
        thread.start()
    }

    var isCurrent: Bool { Thread.current === thread }

    /// Runs `work` on the writer thread and returns when it has run.
    ///
    /// `work` may capture the caller's non-escaping state: it is released on the writer thread
    /// before the caller is woken, so `withoutActuallyEscaping` holds.
    func runAndWait(_ work: () -> Void) {
        precondition(!isCurrent, "a write started from inside a write on the same environment would deadlock")
        withoutActuallyEscaping(work) { work in
            let done = DispatchSemaphore(value: 0)
            enqueue(Job(work: work, done: done))
            done.wait()
        }
    }

    /// Queues `work` and returns at once.
    func run(_ work: @escaping @Sendable () -> Void) {
        enqueue(Job(work: work, done: nil))
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        precondition(!stopping, "write after the environment was closed")
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes the queued jobs, then ends the thread. Called on the writer thread itself (the
    /// environment's last reference went away with an async job's closure), it only asks the
    /// loop to end: waiting for itself would never return.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        if isCurrent { return }
        exited.wait()
        thread = nil
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                exited.signal()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            let done = job.done
            perform(consume job)
            done?.signal()
        }
    }

    /// Runs the job and releases it before returning, so a waiting caller never sees its
    /// closure still referenced.
    @inline(never)
    private func perform(_ job: consuming Job) {
        job.work()
    }
}
