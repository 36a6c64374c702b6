import Foundation
import Testing
@testable import Raft

/// The proof of the consensus core: thousands of seeded runs over every fault mix, each checked
/// for Raft's safety properties after every step, for liveness after healing, and for
/// linearizability of every client history.
@Suite struct SimulationTests {
    /// Seeds per (mix, cluster size). `SIM_SEEDS` overrides; the default gives over 5,000 seeds in all.
    static let seedsPerCase = ProcessInfo.processInfo.environment["SIM_SEEDS"].flatMap(Int.init) ?? 250
    /// The first seed; `SIM_FIRST_SEED` moves the window to explore new seeds.
    static let firstSeed = ProcessInfo.processInfo.environment["SIM_FIRST_SEED"].flatMap(UInt64.init) ?? 1

    /// Every mix on 3 and 5 members; `SIM_MIX=name` keeps one mix (to hunt with many seeds).
    static let cases: [FaultMix] = (FaultMix.all(members: 3) + FaultMix.all(members: 5)).filter { mix in
        ProcessInfo.processInfo.environment["SIM_MIX"].map { $0 == mix.name } ?? true
    }

    static let faultUnits = 3_000
    static let livenessUnits = 1_500

    @Test("safety, liveness and linearizability hold under the fault mix", arguments: cases)
    func seeds(_ mix: FaultMix) {
        var completedReads = 0
        var completedWrites = 0
        for seed in Self.firstSeed..<(Self.firstSeed + UInt64(Self.seedsPerCase)) {
            let simulation = Simulation(mix: mix, seed: seed)
            if let failure = Self.run(simulation) {
                Issue.record(Comment(rawValue: "\(mix) seed \(seed) failed \(failure)\nreplay: SIM_REPLAY=\(mix.name)/\(mix.members)/\(seed) scripts/test --filter SimulationReplay"))
                return
            }
            for entry in simulation.history where entry.returned != nil {
                if case .get = entry.kind { completedReads += 1 } else { completedWrites += 1 }
            }
        }
        // The histories must give the check something to chew on: completed reads and writes in every run on average.
        #expect(completedReads >= Self.seedsPerCase && completedWrites >= Self.seedsPerCase,
                "only \(completedReads) reads and \(completedWrites) writes completed in \(Self.seedsPerCase) runs")
    }

    /// Runs a simulation to its end; nil when it passed, or what went wrong (with the trace when traced).
    static func run(_ simulation: Simulation) -> String? {
        do {
            try simulation.run(faultUnits: faultUnits, livenessUnits: livenessUnits)
        } catch {
            return error.description + "\n" + error.trace.suffix(400).joined(separator: "\n")
        }
        if let violation = HistoryCheck.violation(in: simulation.history) {
            return "linearizability: \(violation)\n" + simulation.trace.suffix(400).joined(separator: "\n")
        }
        return nil
    }
}

/// Replays one seed with a full trace: `SIM_REPLAY=mix/members/seed`.
@Suite struct SimulationReplay {
    @Test("replay the seed named by SIM_REPLAY, printing its trace",
          .enabled(if: ProcessInfo.processInfo.environment["SIM_REPLAY"] != nil))
    func replay() throws {
        let parts = ProcessInfo.processInfo.environment["SIM_REPLAY"]!.split(separator: "/")
        let mix = try #require(parts.count == 3 ? FaultMix.named(String(parts[0]), members: Int(parts[1]) ?? 3) : nil, "SIM_REPLAY=mix/members/seed")
        let seed = try #require(UInt64(parts[2]))
        let failure = SimulationTests.run(Simulation(mix: mix, seed: seed, tracing: true))
        if let failure {
            print(failure)
        }
        #expect(failure == nil)
    }
}
