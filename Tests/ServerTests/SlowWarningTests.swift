import Foundation
import Raft
import Testing
@testable import Server

@Suite("Slow log sync and slow apply warnings")
struct SlowWarningTests {
    @Test("a warning names the phase, the time, the entries and the threshold, and counts the ones held back")
    func messages() {
        let sync = SlowOperation(phase: .logSync, duration: .milliseconds(1234), entries: 57, threshold: .seconds(1), suppressed: 0)
        #expect(sync.message == "slow log sync: 1.234 s for 57 entries (expected under 1 s, etcd's \"slow fdatasync\")")
        let apply = SlowOperation(phase: .apply, duration: .milliseconds(180), entries: 1_000, threshold: .milliseconds(100), suppressed: 3)
        #expect(apply.message == "slow apply: 180 ms for 1,000 entries (expected under 100 ms, etcd's \"apply request took too long\"); 3 more since the last warning")
        #expect(SlowOperation.format(.microseconds(2_500)) == "2.5 ms")
        #expect(SlowOperation.format(.microseconds(12_700)) == "13 ms")
        #expect(SlowOperation.grouped(1_234_567) == "1,234,567")
        #expect(SlowOperation.grouped(999) == "999")
    }

    @Test("at most one warning per phase per interval, each phase on its own, with the count held back")
    func limiter() {
        var limiter = SlowWarningLimiter(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(limiter.admit(.logSync, now: start) == 0)
        #expect(limiter.admit(.logSync, now: start + .seconds(1)) == nil)
        #expect(limiter.admit(.logSync, now: start + .seconds(9)) == nil)
        #expect(limiter.admit(.apply, now: start + .seconds(9)) == 0)
        #expect(limiter.admit(.logSync, now: start + .seconds(10)) == 2)
        #expect(limiter.admit(.logSync, now: start + .seconds(11)) == nil)
    }

    @Test("with the thresholds at 0 a member reports its first log sync and apply as slow, once each, and counts them all")
    func memberReportsSlowPhases() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let peers = InMemoryPeers()
        let member = try TestMember(id: 1, voters: [1], directory: directory, peers: peers) { configuration in
            configuration.slowLogSyncThreshold = .zero
            configuration.slowApplyThreshold = .zero
            // Longer than a loaded machine could take for the puts below.
            configuration.slowWarningInterval = .seconds(3600)
        }
        defer { member.stop(peers: peers) }
        #expect(await eventually { member.node.status.role == .leader })
        for i in 0..<5 { _ = try await member.node.propose(Array("k\(i)=v".utf8), timeout: .seconds(10)) }

        let slow = member.reports.all.compactMap { report -> SlowOperation? in
            if case .slow(let operation) = report { operation } else { nil }
        }
        #expect(slow.filter { $0.phase == .logSync }.count == 1, "\(slow)")
        #expect(slow.filter { $0.phase == .apply }.count == 1, "\(slow)")
        #expect(slow.allSatisfy { $0.threshold == .zero && $0.suppressed == 0 && $0.message.hasPrefix("slow \($0.phase.rawValue): ") })
        let figures = member.node.metrics.snapshot()
        #expect(figures.slowLogSaves >= 5 && figures.slowLogSaves == figures.logSave.count)
        #expect(figures.slowApplies >= 5 && figures.slowApplies == figures.apply.count)
        #expect(figures.leaderChanges == 1)
    }
}
