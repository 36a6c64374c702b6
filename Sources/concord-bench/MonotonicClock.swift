import NIOCore

/// Nanoseconds on the monotonic clock: the one time base for every start, end and schedule.
enum MonotonicClock {
    @inline(__always)
    static func nanoseconds() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}
