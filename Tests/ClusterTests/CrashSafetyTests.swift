import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Crash safety with real members")
    struct CrashSafetyTests {
        /// Rounds of SIGKILL; `CRASH_ROUNDS` raises it for a longer run.
        static let rounds = Int(ProcessInfo.processInfo.environment["CRASH_ROUNDS"] ?? "") ?? 6

        @Test("Writers keep writing while random members, the leader among them, are killed with SIGKILL and restarted: no acknowledged write is lost and the members end with equal hashes")
        func killAndRestart() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            var acknowledged: Set<String> = []
            var generator = SystemRandomNumberGenerator()
            var next = 0
            for round in 0..<Self.rounds {
                // Alternate between the leader and a random member.
                let victim = round.isMultiple(of: 2) ? try await cluster.waitForLeader() : Int.random(in: 0..<3, using: &generator)
                let first = next
                async let writes = Self.write(from: first, count: 40, cluster: cluster)
                try await Task.sleep(for: .milliseconds(300))
                cluster.kill(victim)
                acknowledged.formUnion(try await writes)
                next += 40
                try cluster.launch(victim)
                try await cluster.waitForLeader()
            }
            try await cluster.waitForEqualHashes()
            let stored = try await cluster.etcdctl(["get", "key-", "--prefix", "--keys-only"])
            let keys = Set(stored.output.split(separator: "\n").map(String.init))
            let lost = acknowledged.subtracting(keys)
            #expect(lost.isEmpty, "acknowledged but missing: \(lost.sorted())")
            #expect(acknowledged.count > Self.rounds * 10, "too few writes were acknowledged: \(acknowledged.count)")
        }

        /// Puts keys one after another through all endpoints; returns those acknowledged.
        static func write(from first: Int, count: Int, cluster: ConcordCluster) async throws -> Set<String> {
            var acknowledged: Set<String> = []
            for number in first..<(first + count) {
                let key = "key-\(number)"
                let put = try await cluster.etcdctl(["put", key, "value-\(number)", "--command-timeout=3s", "--dial-timeout=1s"])
                if put.status == 0 { acknowledged.insert(key) }
            }
            return acknowledged
        }
    }
}
