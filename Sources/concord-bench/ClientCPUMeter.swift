import Foundation

/// Measures concord-bench's own CPU time (getrusage: user + system, all threads) from start to
/// stop. A client that keeps its cores busy measures itself, not the server: past
/// `saturationThreshold` the run says so.
struct ClientCPUMeter {
    static let saturationThreshold = 0.9

    private let startCPU: Double
    private let startWall: UInt64
    private let threads: Int

    init(threads: Int) {
        self.startCPU = Self.processCPUSeconds()
        self.startWall = MonotonicClock.nanoseconds()
        self.threads = threads
    }

    func usage(requests: Int) -> ClientCPUUsage {
        let cpu = Self.processCPUSeconds() - self.startCPU
        let wall = Double(MonotonicClock.nanoseconds() - self.startWall) / 1e9
        let cores = max(1, min(self.threads, Self.allowedCPUs()))
        let busy = wall > 0 ? cpu / wall / Double(cores) : 0
        return ClientCPUUsage(
            cpuSeconds: cpu, wallSeconds: wall, requests: requests,
            cpuMicrosecondsPerRequest: requests > 0 ? cpu * 1e6 / Double(requests) : 0,
            coresAvailable: cores, busyFraction: busy, saturated: busy >= Self.saturationThreshold)
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// CPUs in this process's affinity mask (`taskset -c 1` makes it 1), from the
    /// `Cpus_allowed` mask in /proc/self/status.
    static func allowedCPUs() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return ProcessInfo.processInfo.activeProcessorCount }
        let mask = line.dropFirst("Cpus_allowed:".count).filter(\.isHexDigit)
        let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
        return count > 0 ? count : ProcessInfo.processInfo.activeProcessorCount
    }
}
