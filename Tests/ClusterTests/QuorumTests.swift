import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    /// Quorum awareness (SPEC F6, B3) with real members: `concordctl endpoint quorum` as members
    /// fail, the even-size warning in the log and the quorum gauges on `/metrics`.
    @Suite("Quorum awareness of real members")
    struct QuorumTests {
        static func quorum(_ cluster: ConcordCluster, extra: [String] = []) async throws -> (status: Int32?, output: String, errors: String) {
            try await ChildProcess.run(
                BuildProducts.path("concordctl"),
                ["--endpoints=\(cluster.endpoints.joined(separator: ","))", "--dial-timeout=1s", "endpoint", "quorum"] + extra,
                removingInherited: ["ETCDCTL_"], timeout: .seconds(30))
        }

        @Test("endpoint quorum tells the tolerance now and what one more failure would do as members of 3 fail")
        func advisorAsMembersFail() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            let healthy = try await Self.quorum(cluster)
            #expect(healthy.status == 0, "\(healthy.errors)")
            #expect(healthy.output.contains("members: 3 (3 voting, 0 learners)"), "\(healthy.output)")
            #expect(healthy.output.contains("quorum: 2 of 3 voting members; 1 failure tolerated at full strength"))
            #expect(healthy.output.contains("reachable now: 3 of 3 voting members; leader: m"))
            #expect(healthy.output.contains("failures tolerated now: 1\n"))
            #expect(healthy.output.contains("if one more voting member fails: 2 of 3 left, the quorum holds, no further failure tolerated"))
            #expect(!healthy.output.contains("advice:"))

            cluster.kill(2)
            try await cluster.waitForLeader()
            let degraded = try await Self.quorum(cluster, extra: ["-w", "table"])
            #expect(degraded.status == 0, "\(degraded.errors)")
            #expect(degraded.output.contains("| IS LEADER |"), "\(degraded.output)")
            #expect(degraded.output.contains("m3 | voter |"), "\(degraded.output)")
            #expect(degraded.output.contains("down ("), "\(degraded.output)")
            #expect(degraded.output.contains("reachable now: 2 of 3 voting members"))
            #expect(degraded.output.contains("failures tolerated now: 0\n"))
            #expect(degraded.output.contains("if one more voting member fails: 1 of 3 left, below the quorum of 2: writes and linearizable reads stop until a member returns"))

            cluster.kill(1)
            let lost = try await Self.quorum(cluster, extra: ["-w", "json"])
            #expect(lost.status == 1)
            #expect(lost.output.contains("\"VotingMembers\":3,\"Learners\":0,\"QuorumSize\":2,\"ReachableVotingMembers\":1,\"FailuresTolerated\":-1"), "\(lost.output)")
            #expect(lost.output.contains("the quorum is lost: 1 more voting member must return"), "\(lost.output)")
        }

        @Test("Adding a voter to one member returns at once, logs why an even size is worse and /metrics counts it; the advisor sees no leader until it starts")
        func voterAdded() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            #expect(!cluster.logs(0).contains("an odd size is cheaper"))
            let peerPort = try FreePort.find()
            // The change takes effect once committed, and the one member commits it alone.
            let added = try await cluster.etcdctl(["member", "add", "m2", "--peer-urls=http://127.0.0.1:\(peerPort)", "--command-timeout=5s"])
            #expect(added.status == 0, "\(added.errors)")
            let logged = await cluster.members[0].process!.waitForOutput { _ in
                cluster.logs(0).contains("2 voting members tolerate 0 failures, as 1 would")
            }
            #expect(logged, "\(cluster.logs(0))")
            #expect(cluster.logs(0).contains("the cluster has 2 voting members now: quorum 2, 0 failure(s) tolerated"))

            let metrics = try await ChildProcess.run("/usr/bin/curl", ["-s", "http://\(cluster.members[0].endpoint)/metrics"])
            #expect(metrics.output.contains("\nconcord_cluster_voting_members 2\n"), "\(metrics.output)")
            #expect(metrics.output.contains("\nconcord_cluster_quorum_size 2\n"))
            #expect(metrics.output.contains("\nconcord_cluster_failures_tolerated 0\n"))

            // The leader, which now needs m2 for a quorum, steps down within an election timeout
            // (check quorum); until then the advisor reports the quorum lost under it.
            let noLeader = "no reachable member knows a leader: writes and linearizable reads fail until one is elected"
            var advisor = try await Self.quorum(cluster)
            let deadline = ContinuousClock.now + .seconds(15)
            while !advisor.output.contains(noLeader) && ContinuousClock.now < deadline {
                #expect(advisor.status == 1)
                #expect(advisor.output.contains("the quorum is lost"), "\(advisor.output)")
                try await Task.sleep(for: .milliseconds(200))
                advisor = try await Self.quorum(cluster)
            }
            #expect(advisor.status == 1)
            #expect(advisor.output.contains(noLeader), "\(advisor.output)")

            // A restart of the member tells the same at start.
            cluster.kill(0)
            try cluster.launch(0)
            let atStart = await cluster.members[0].process!.waitForOutput { _ in
                cluster.logs(0).contains("2 voting members tolerate 0 failures, as 1 would")
            }
            #expect(atStart, "\(cluster.logs(0))")
        }

        @Test("Two members warn at start, and the advisor says losing either one stops writes")
        func twoMembers() async throws {
            let cluster = try await ConcordCluster.start(size: 2)
            defer { cluster.stop() }
            for index in 0..<2 {
                #expect(cluster.logs(index).contains(" warn 2 voting members tolerate 0 failures, as 1 would"), "\(cluster.logs(index))")
            }
            let advisor = try await Self.quorum(cluster)
            #expect(advisor.status == 0, "\(advisor.errors)")
            #expect(advisor.output.contains("quorum: 2 of 2 voting members; 0 failures tolerated at full strength"), "\(advisor.output)")
            #expect(advisor.output.contains("if one more voting member fails: 1 of 2 left, below the quorum of 2: writes and linearizable reads stop until a member returns"))
            #expect(advisor.output.contains("advice: 2 voting members tolerate 0 failures, as 1 would, while every write waits for 2 of them instead of 1"))

            cluster.kill(1)
            let lost = try await Self.quorum(cluster)
            #expect(lost.status == 1)
            #expect(lost.output.contains("failures tolerated now: none, the quorum is lost: 1 more voting member must return"), "\(lost.output)")
        }
    }
}
