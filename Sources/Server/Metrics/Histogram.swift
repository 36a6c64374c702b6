/// A Prometheus histogram: how many observations fell at or under each upper bound, their sum
/// and their count.
///
/// Observing only adds to storage made up front, so the run loop can record into one on every
/// turn without allocating. Counts are kept per bucket and made cumulative when rendered.
struct Histogram: Sendable {
    /// The buckets' upper bounds, ascending; the `+Inf` bucket follows them.
    let upperBounds: [Double]
    /// Observations per bucket (not cumulative); the last one is `+Inf`'s.
    private(set) var bucketCounts: [UInt64]
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    init(upperBounds: [Double]) {
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds must ascend")
        self.upperBounds = upperBounds
        bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// Prometheus's `ExponentialBuckets(start, factor, count)`, which etcd's histograms use.
    static func exponentialBuckets(start: Double, factor: Double, count: Int) -> [Double] {
        var bounds: [Double] = []
        var bound = start
        for _ in 0..<count {
            bounds.append(bound)
            bound *= factor
        }
        return bounds
    }

    mutating func observe(_ value: Double) {
        var bucket = 0
        while bucket < upperBounds.count && value > upperBounds[bucket] { bucket += 1 }
        bucketCounts[bucket] += 1
        sum += value
        count += 1
    }

    /// Observations at or under each bound, then the total for `+Inf`.
    var cumulativeCounts: [UInt64] {
        var total: UInt64 = 0
        return bucketCounts.map { total += $0; return total }
    }
}
