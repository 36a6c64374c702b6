import Foundation
import NIOCore

/// etcd's progress bar (`pb`), on standard error and only on a terminal: piped or JSON output
/// stays clean. Redrawn five times a second from a timer, never per request.
final class ProgressBar: Sendable {
    private let task: RepeatedTask?
    private let loop: any EventLoop

    /// Starts drawing `completed()` out of `total` when standard error is a terminal.
    init(total: Int, enabled: Bool, on loop: any EventLoop, completed: @escaping @Sendable () -> Int) {
        self.loop = loop
        guard enabled, isatty(STDERR_FILENO) == 1, total > 0 else {
            self.task = nil
            return
        }
        let start = MonotonicClock.nanoseconds()
        self.task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(200)) { _ in
            Self.draw(completed(), of: total, since: start)
        }
    }

    func finish() async {
        guard let task = self.task else { return }
        let done = self.loop.makePromise(of: Void.self)
        task.cancel(promise: done)
        try? await done.futureResult.get()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private static func draw(_ completed: Int, of total: Int, since start: UInt64) {
        let width = 40
        let fraction = min(Double(completed) / Double(total), 1)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: "-", count: width - filled - 1) : "")
        let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        let line = "\r \(completed) / \(total) [\(bar)] " + String(format: "%6.2f%% %.0fs", fraction * 100, seconds)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
