import Glibc

/// The lock that keeps an environment's map and handles in place while anyone uses them: every
/// read transaction (and every LMDB call that begins one itself) holds it shared, the swap of a
/// defragmented file (`Environment.defragment`) holds it exclusive.
///
/// A pthread read-write lock that prefers the exclusive side (glibc's
/// `PREFER_WRITER_NONRECURSIVE`): a steady stream of overlapping reads cannot starve a swap, which
/// waits with the writer paused, so starving it would stall every write. The price: a thread must
/// not take it shared twice (a read started inside a read of the same environment), since the
/// inner wait would queue behind a waiting swap that waits for the outer read.
final class SwapGate: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        defer { pthread_rwlockattr_destroy(&attributes) }
        let kind = pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        precondition(kind == 0, "pthread_rwlockattr_setkind_np: \(kind)")
        let created = pthread_rwlock_init(lock, &attributes)
        precondition(created == 0, "pthread_rwlock_init: \(created)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func lockShared() {
        let rc = pthread_rwlock_rdlock(lock)
        precondition(rc == 0, "pthread_rwlock_rdlock: \(rc)")
    }

    func unlockShared() {
        pthread_rwlock_unlock(lock)
    }

    /// Runs `body` while no one holds the gate.
    func withExclusive<R>(_ body: () throws -> R) rethrows -> R {
        let rc = pthread_rwlock_wrlock(lock)
        precondition(rc == 0, "pthread_rwlock_wrlock: \(rc)")
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` holding the gate shared.
    func withShared<R>(_ body: () throws -> R) rethrows -> R {
        lockShared()
        defer { unlockShared() }
        return try body()
    }
}
