/// The kinds of trouble a simulation run throws at the cluster. Each seed runs one mix.
struct FaultMix: Sendable, CustomStringConvertible {
    var name: String
    var members: Int
    /// Probability (per message) of loss and of duplication.
    var dropRate: Double = 0
    var duplicateRate: Double = 0
    /// Message delay in time units (10 units = 1 tick); different delays reorder messages.
    var maxDelay: Int = 3
    /// Per time unit: probability of a symmetric split, a one-way cut, isolating the leader,
    /// healing all links.
    var splitRate: Double = 0
    var oneWayRate: Double = 0
    var isolateLeaderRate: Double = 0
    /// Probability that a member that just became leader is cut off at once, before its no-op
    /// replicates: it leaves a stub of its term behind (the raw material of Figure 8).
    var isolateNewLeaderRate: Double = 0
    var healRate: Double = 0.002
    /// Per time unit: probability that a member crashes (losing what it has not persisted) and
    /// that a crashed member restarts.
    var crashRate: Double = 0
    var restartRate: Double = 0.01
    /// Per time unit: probability that the leader crashes, and that a member crashes while a
    /// `Ready` of it is half done (messages sent, persist pending).
    var leaderCrashRate: Double = 0
    var tornPersistCrashRate: Double = 0
    /// Time units a member takes to persist a `Ready`: up to this many.
    var maxDiskDelay: Int = 4
    /// The entry bytes of one append: small values send one entry per message, so that a new
    /// leader's older entries reach followers before its own no-op does (the Figure 8 window).
    var maxMessageBytes: Int = 200
    /// Clients, and each idle client's probability per time unit of starting an operation.
    var clients: Int = 3
    var clientRate: Double = 0.05
    /// Per time unit: probability that the leader is asked for a membership change.
    var membershipRate: Double = 0
    /// Per time unit: probability that the leader is asked to hand over leadership.
    var transferRate: Double = 0

    var description: String { "\(name)/\(members)" }

    static func all(members: Int) -> [FaultMix] {
        [
            FaultMix(name: "calm", members: members),
            FaultMix(name: "lossy", members: members, dropRate: 0.1, duplicateRate: 0.05, maxDelay: 15),
            FaultMix(name: "partitions", members: members, dropRate: 0.02, maxDelay: 8, splitRate: 0.003, healRate: 0.004),
            FaultMix(name: "one-way", members: members, maxDelay: 8, oneWayRate: 0.004, healRate: 0.003),
            FaultMix(name: "leader-isolated", members: members, maxDelay: 5, isolateLeaderRate: 0.003, healRate: 0.004),
            FaultMix(name: "flapping", members: members, dropRate: 0.05, maxDelay: 10, splitRate: 0.03, oneWayRate: 0.03, healRate: 0.05),
            FaultMix(name: "crashes", members: members, dropRate: 0.02, maxDelay: 6, crashRate: 0.002, restartRate: 0.01, transferRate: 0.001),
            FaultMix(name: "membership", members: members, dropRate: 0.03, duplicateRate: 0.02, maxDelay: 8, crashRate: 0.001, membershipRate: 0.004),
            FaultMix(name: "leader-churn", members: members, dropRate: 0.05, maxDelay: 8, isolateLeaderRate: 0.01, isolateNewLeaderRate: 0.3, healRate: 0.01,
                     restartRate: 0.03, leaderCrashRate: 0.004, maxMessageBytes: 1, clients: 5, clientRate: 0.2),
            FaultMix(name: "torn-persist", members: members, dropRate: 0.02, maxDelay: 4, splitRate: 0.002, healRate: 0.01,
                     restartRate: 0.05, tornPersistCrashRate: 0.01, maxDiskDelay: 12, clients: 4, clientRate: 0.1),
            FaultMix(name: "chaos", members: members, dropRate: 0.08, duplicateRate: 0.05, maxDelay: 20, splitRate: 0.003, oneWayRate: 0.003,
                     isolateLeaderRate: 0.002, healRate: 0.004, crashRate: 0.002, membershipRate: 0.003, transferRate: 0.001),
        ]
    }

    static func named(_ name: String, members: Int) -> FaultMix? {
        all(members: members).first { $0.name == name }
    }
}
