import Storage

extension RaftNode {
    /// Rewrites the state file as a compacted copy (etcd's Maintenance.Defragment);
    /// `completion` runs once it is done or has failed.
    ///
    /// It runs on the loop's own thread, between two turns' applies: the loop is the state's
    /// only writer (applies, compaction steps, snapshot installs), so no apply can commit into
    /// the old file once the copy has begun, and the writer thread is paused for whatever else
    /// might write. The member stops applying for the copy, as etcd's does; heartbeats wait too,
    /// so a long copy on a leader can cost its leadership.
    public func defragment(completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let event = NodeEvent.defragment(completion: completion)
        if !mailbox.post(event) { completion(.failure(NodeError.tooManyRequests)) }
    }

    public func defragment() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            defragment { continuation.resume(with: $0) }
        }
    }

    /// Carries out the defragment requests of this turn with one rewrite.
    func defragmentIfAsked() {
        guard !defragmentWaiters.isEmpty else { return }
        let waiters = defragmentWaiters
        defragmentWaiters.removeAll()
        let before = store.sizeBytes()
        let started = ContinuousClock.now
        let result = Result<Void, any Error> { try store.defragment() }
        switch result {
        case .success:
            configuration.report(.defragmented(bytesBefore: before, bytesAfter: store.sizeBytes(), took: ContinuousClock.now - started))
        case .failure(let error):
            configuration.report(.defragmentFailed(error: "\(error)"))
        }
        for waiter in waiters { waiter(result) }
    }
}
