extension RaftNode {
    /// Records a log save begun at `start` and warns when it was slower than the threshold.
    func recordLogSave(startedAt start: ContinuousClock.Instant, entries: Int) {
        let now = ContinuousClock.now
        let threshold = configuration.slowLogSyncThreshold
        let slow = now - start > threshold
        metrics.recordLogSave(seconds: (now - start).seconds, entries: entries, slow: slow)
        if slow { warnSlow(.logSync, duration: now - start, entries: entries, threshold: threshold, now: now) }
    }

    /// Records a state transaction begun at `start` and warns when it was slower than the
    /// threshold.
    func recordApply(startedAt start: ContinuousClock.Instant, entries: Int) {
        let now = ContinuousClock.now
        let threshold = configuration.slowApplyThreshold
        let slow = now - start > threshold
        metrics.recordApply(seconds: (now - start).seconds, slow: slow)
        if slow { warnSlow(.apply, duration: now - start, entries: entries, threshold: threshold, now: now) }
    }

    private func warnSlow(_ phase: SlowOperation.Phase, duration: Duration, entries: Int, threshold: Duration,
                          now: ContinuousClock.Instant) {
        guard let suppressed = slowWarnings.admit(phase, now: now) else { return }
        configuration.report(.slow(SlowOperation(phase: phase, duration: duration, entries: entries, threshold: threshold,
                                                 suppressed: suppressed)))
    }
}
