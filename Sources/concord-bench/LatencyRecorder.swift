import Histogram
import NIOConcurrencyHelpers

/// The outcomes of one benchmark phase: every latency into an HDR histogram (3 significant
/// digits) and into the time series, exact fastest/slowest/mean/stddev as etcd reports them, and
/// errors counted by their text. Called from event-loop threads and tasks; one uncontended lock
/// per record (a few tens of nanoseconds) keeps it simple and cheap.
final class LatencyRecorder: @unchecked Sendable {
    /// Latencies are kept in microseconds up to this bound (an hour); longer ones count as the bound.
    static let highestMicroseconds: UInt64 = 3_600_000_000
    /// Distinct error texts kept; beyond them (messages that name each request, say) failures
    /// count under ``otherErrors``, so a failing run cannot grow the table without bound.
    static let maximumErrorKinds = 100
    static let otherErrors = "(other errors)"

    let name: String
    /// A breakdown repeats requests another phase counts (mixed's reads and writes of all).
    let isBreakdown: Bool
    private let lock = NIOLock()
    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestMicroseconds,
        numberOfSignificantValueDigits: .three)
    private var timeSeries: LatencyTimeSeries
    private var sumSeconds = 0.0
    private var sumOfSquares = 0.0
    private var fastestNanoseconds = UInt64.max
    private var slowestNanoseconds: UInt64 = 0
    private var errors: [String: Int] = [:]
    private var failed = 0
    private let startNanoseconds: UInt64
    private var endNanoseconds: UInt64?

    init(name: String, isBreakdown: Bool = false, start: UInt64 = MonotonicClock.nanoseconds()) {
        self.name = name
        self.isBreakdown = isBreakdown
        self.startNanoseconds = start
        self.timeSeries = LatencyTimeSeries(start: start)
    }

    /// Records a success that started (or was due to start, in open loop) at `start` and ended at `end`.
    func record(start: UInt64, end: UInt64) {
        let nanoseconds = end &- start
        let elapsed = end >= start ? nanoseconds : 0
        let microseconds = min(max(elapsed / 1000, 1), Self.highestMicroseconds)
        let seconds = Double(elapsed) / 1e9
        self.lock.withLockVoid {
            _ = self.histogram.record(microseconds)
            self.timeSeries.record(microseconds: microseconds, at: end)
            self.sumSeconds += seconds
            self.sumOfSquares += seconds * seconds
            if elapsed < self.fastestNanoseconds { self.fastestNanoseconds = elapsed }
            if elapsed > self.slowestNanoseconds { self.slowestNanoseconds = elapsed }
        }
    }

    /// Records a failure, counted by `kind` (the error's text, as etcd's report counts them).
    func recordError(_ kind: String, at end: UInt64 = MonotonicClock.nanoseconds()) {
        self.lock.withLockVoid {
            let known = self.errors[kind] != nil || self.errors.count < Self.maximumErrorKinds - 1
            self.errors[known ? kind : Self.otherErrors, default: 0] += 1
            self.failed += 1
            self.timeSeries.recordError(at: end)
        }
    }

    var completed: Int { self.lock.withLock { Int(self.histogram.totalCount) + self.failed } }

    /// Ends the phase's clock (etcd: the time from the first request to the last result).
    func finish(at end: UInt64 = MonotonicClock.nanoseconds()) {
        self.lock.withLockVoid { if self.endNanoseconds == nil { self.endNanoseconds = end } }
    }

    /// The phase's figures as printed and written to JSON.
    func result() -> PhaseResult {
        self.lock.withLock {
            let end = self.endNanoseconds ?? MonotonicClock.nanoseconds()
            let total = Double(end - self.startNanoseconds) / 1e9
            let count = Int(self.histogram.totalCount)
            let average = count > 0 ? self.sumSeconds / Double(count) : 0
            let variance = count > 0 ? max(self.sumOfSquares / Double(count) - average * average, 0) : 0
            let fastest = count > 0 ? Double(self.fastestNanoseconds) / 1e9 : 0
            let slowest = Double(self.slowestNanoseconds) / 1e9
            return PhaseResult(
                name: self.name,
                succeeded: count,
                failed: self.failed,
                totalSeconds: total,
                slowestSeconds: slowest,
                fastestSeconds: fastest,
                averageSeconds: average,
                stddevSeconds: variance.squareRoot(),
                requestsPerSecond: total > 0 ? Double(count) / total : 0,
                percentiles: PhaseResult.reportedPercentiles.map {
                    .init(percentile: $0, seconds: count > 0 ? Double(self.histogram.valueAtPercentile($0)) / 1e6 : 0)
                },
                histogram: Self.bars(of: self.histogram, fastest: fastest, slowest: slowest),
                errors: self.errors,
                percentileCurve: count > 0
                    ? self.histogram.percentiles(ticksPerHalfDistance: 4).map {
                        .init(percentile: $0.percentileLevelIteratedTo, seconds: Double($0.value) / 1e6)
                    } : [],
                timeSeries: self.timeSeries.points())
        }
    }

    /// etcd's response-time histogram: ten equal steps from fastest to slowest, each bar the
    /// count of latencies up to its bound.
    private static func bars(of histogram: Histogram<UInt64>, fastest: Double, slowest: Double) -> [PhaseResult.Bar] {
        guard histogram.totalCount > 0 else { return [] }
        let steps = 10
        let width = (slowest - fastest) / Double(steps)
        var bars: [PhaseResult.Bar] = []
        var lower: UInt64 = 0
        for step in 0...steps {
            let bound = step == steps ? slowest : fastest + width * Double(step)
            // The last bar takes everything above the previous one (the histogram's rounding).
            let upper = step == steps ? Self.highestMicroseconds : max(UInt64((bound * 1e6).rounded(.up)), lower)
            bars.append(.init(seconds: bound, count: Int(histogram.count(within: lower...upper))))
            lower = upper + 1
        }
        return bars
    }
}
