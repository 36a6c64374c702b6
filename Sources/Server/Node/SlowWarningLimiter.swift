/// At most one slow-operation warning per phase per interval: a disk that stalls slows every
/// save, and a line per save would bury the rest of the log. The warnings held back are
/// counted and told with the next one.
struct SlowWarningLimiter {
    let interval: Duration
    private var lastWarning: [SlowOperation.Phase: ContinuousClock.Instant] = [:]
    private var suppressed: [SlowOperation.Phase: Int] = [:]

    init(interval: Duration) {
        self.interval = interval
    }

    /// The slow operations held back since the last warning, if `phase` may warn at `now`;
    /// nil when this one is held back too.
    mutating func admit(_ phase: SlowOperation.Phase, now: ContinuousClock.Instant) -> Int? {
        if let last = lastWarning[phase], now - last < interval {
            suppressed[phase, default: 0] += 1
            return nil
        }
        lastWarning[phase] = now
        return suppressed.removeValue(forKey: phase) ?? 0
    }
}
