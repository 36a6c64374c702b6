import Histogram

/// Latency over time: one small HDR histogram (2 significant digits) per time slot, 100 ms to
/// begin with so that short runs still draw a curve. Bounded: when `maximumSlots` are in use,
/// neighbouring slots merge and the slot width doubles, so a run of any length keeps at most
/// `maximumSlots` histograms (about 11 KB each).
struct LatencyTimeSeries {
    static let maximumSlots = 512
    /// Latencies above a minute count as a minute in the time series (the totals keep them exactly).
    static let highestMicroseconds: UInt64 = 60_000_000

    private struct Slot {
        var histogram = Histogram<UInt32>(
            lowestDiscernibleValue: 1, highestTrackableValue: LatencyTimeSeries.highestMicroseconds,
            numberOfSignificantValueDigits: .two)
        var errors = 0
    }

    private let start: UInt64
    private var slotNanoseconds: UInt64 = 100_000_000
    private var slots: [Slot] = []

    init(start: UInt64) {
        self.start = start
    }

    mutating func record(microseconds: UInt64, at time: UInt64) {
        let index = self.slotIndex(time)
        _ = self.slots[index].histogram.record(min(microseconds, Self.highestMicroseconds))
    }

    mutating func recordError(at time: UInt64) {
        let index = self.slotIndex(time)
        self.slots[index].errors += 1
    }

    private mutating func slotIndex(_ time: UInt64) -> Int {
        var index = Int((time >= self.start ? time - self.start : 0) / self.slotNanoseconds)
        while index >= Self.maximumSlots {
            self.halve()
            index = Int((time >= self.start ? time - self.start : 0) / self.slotNanoseconds)
        }
        while self.slots.count <= index { self.slots.append(Slot()) }
        return index
    }

    /// Merges slots pairwise and doubles their width.
    private mutating func halve() {
        var merged: [Slot] = []
        merged.reserveCapacity(Self.maximumSlots / 2)
        var index = 0
        while index < self.slots.count {
            var slot = self.slots[index]
            if index + 1 < self.slots.count {
                slot.histogram.add(self.slots[index + 1].histogram)
                slot.errors += self.slots[index + 1].errors
            }
            merged.append(slot)
            index += 2
        }
        self.slots = merged
        self.slotNanoseconds *= 2
    }

    func points() -> [PhaseResult.TimePoint] {
        let width = Double(self.slotNanoseconds) / 1e9
        return self.slots.enumerated().map { index, slot in
            let count = slot.histogram.totalCount
            func seconds(_ percentile: Double) -> Double {
                count > 0 ? Double(slot.histogram.valueAtPercentile(percentile)) / 1e6 : 0
            }
            return PhaseResult.TimePoint(
                offsetSeconds: Double(index) * width, widthSeconds: width, requests: Int(count), errors: slot.errors,
                p50Seconds: seconds(50), p99Seconds: seconds(99), maxSeconds: count > 0 ? Double(slot.histogram.max) / 1e6 : 0)
        }
    }
}
