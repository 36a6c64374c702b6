import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Elections and replication with real members")
    struct ElectionTests {
        @Test("After the leader is killed with SIGKILL, a new leader is elected within twice the election timeout, writes continue through every survivor, and the old leader catches up when it returns")
        func leaderKilled() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            let oldLeader = try await cluster.waitForLeader()
            #expect(try await cluster.etcdctl(["put", "before", "1"]).status == 0)

            let killedAt = ContinuousClock.now
            cluster.kill(oldLeader)
            let newLeader = try await cluster.waitForLeader(timeout: .seconds(30))
            let electionTime = ContinuousClock.now - killedAt
            #expect(newLeader != oldLeader)
            // Twice the election timeout, plus what polling with etcdctl processes adds.
            #expect(electionTime < .milliseconds(2 * cluster.electionTimeoutMilliseconds + 700), "election took \(electionTime)")

            for index in cluster.members.indices where index != oldLeader {
                let put = try await cluster.etcdctl(["put", "after-\(index)", "\(index)"], endpoints: [cluster.members[index].endpoint])
                #expect(put.status == 0, "put through m\(index + 1): \(put.errors)")
            }

            try cluster.launch(oldLeader)
            try await cluster.waitForLeader()
            try await cluster.waitForEqualHashes()
            let get = try await cluster.etcdctl(["get", "after-", "--prefix", "--keys-only", "--consistency=s"], endpoints: [cluster.members[oldLeader].endpoint])
            let expected = cluster.members.indices.filter { $0 != oldLeader }.map { "after-\($0)" }
            #expect(get.output.split(separator: "\n").map(String.init) == expected)
        }

        @Test("Members confined to one processor (taskset), with one event-loop thread for clients and one for the run loop and peers, serve writes and reads through every member, elect a new leader after SIGKILL, and catch a returning member up")
        func oneProcessor() async throws {
            let cluster = try await ConcordCluster.start(size: 3, cpuList: "0")
            defer { cluster.stop() }
            let status = try String(contentsOfFile: "/proc/\(cluster.members[0].process!.pid)/status", encoding: .utf8)
            #expect(status.contains("Cpus_allowed_list:\t0\n"), "\(status)")
            let leader = try await cluster.waitForLeader()
            for index in cluster.members.indices {
                let endpoint = [cluster.members[index].endpoint]
                let put = try await cluster.etcdctl(["put", "k\(index)", "v\(index)"], endpoints: endpoint)
                #expect(put.status == 0, "\(put.errors)")
                let get = try await cluster.etcdctl(["get", "k", "--prefix", "--print-value-only"], endpoints: endpoint)
                #expect(get.output == (0...index).map { "v\($0)\n" }.joined(), "\(get.errors)")
            }
            cluster.kill(leader)
            let newLeader = try await cluster.waitForLeader(timeout: .seconds(30))
            #expect(newLeader != leader)
            #expect(try await cluster.etcdctl(["put", "after", "1"], endpoints: [cluster.members[newLeader].endpoint]).status == 0)
            try cluster.launch(leader)
            try await cluster.waitForLeader()
            try await cluster.waitForEqualHashes()
            let get = try await cluster.etcdctl(["get", "after", "--print-value-only", "--consistency=s"], endpoints: [cluster.members[leader].endpoint])
            #expect(get.output == "1\n")
        }

        @Test("A write through a follower is forwarded to the leader, and a linearizable read through another follower sees it")
        func followerWriteAndRead() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            let leader = try await cluster.waitForLeader()
            let followers = cluster.members.indices.filter { $0 != leader }
            for round in 0..<20 {
                let put = try await cluster.etcdctl(["put", "k", "v\(round)"], endpoints: [cluster.members[followers[0]].endpoint])
                #expect(put.status == 0, "\(put.errors)")
                let get = try await cluster.etcdctl(["get", "k", "--print-value-only"], endpoints: [cluster.members[followers[1]].endpoint])
                #expect(get.output == "v\(round)\n", "\(get.errors)")
            }
        }

        @Test("A member cut off from the others refuses writes and linearizable reads with etcd's errors within its deadline, and still serves serializable reads")
        func minority() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "k", "before"]).status == 0)
            try await cluster.waitForEqualHashes()
            cluster.kill(0)
            cluster.kill(1)
            let alone = [cluster.members[2].endpoint]

            let started = ContinuousClock.now
            let put = try await cluster.etcdctl(["put", "k", "after", "--command-timeout=3s"], endpoints: alone)
            #expect(put.status != 0)
            #expect(["etcdserver: no leader", "etcdserver: request timed out", "context deadline exceeded"].contains { put.errors.contains($0) }, "\(put.errors)")
            let read = try await cluster.etcdctl(["get", "k", "--command-timeout=3s"], endpoints: alone)
            #expect(read.status != 0)
            #expect(["etcdserver: no leader", "etcdserver: request timed out", "context deadline exceeded"].contains { read.errors.contains($0) }, "\(read.errors)")
            #expect(ContinuousClock.now - started < .seconds(15))

            let serializable = try await cluster.etcdctl(["get", "k", "--consistency=s", "--print-value-only"], endpoints: alone)
            #expect(serializable.status == 0)
            #expect(serializable.output == "before\n")
        }
    }
}
