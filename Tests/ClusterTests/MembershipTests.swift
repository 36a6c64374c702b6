import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    @Suite("Membership changes on real members, with etcdctl")
    struct MembershipTests {
        /// A member that is not in `cluster.members`: added at run time, started by the test.
        struct Joiner {
            var name: String
            var clientPort: Int
            var peerPort: Int
            var dataDirectory: String
            var peerURL: String { "http://127.0.0.1:\(peerPort)" }
            var endpoint: String { "127.0.0.1:\(clientPort)" }

            init(_ name: String, in cluster: ConcordCluster) throws {
                self.name = name
                clientPort = try FreePort.find()
                peerPort = try FreePort.find()
                dataDirectory = cluster.directory + "/" + name + "-joined"
            }

            /// Starts it with `--initial-cluster-state existing`, as `member add` tells one to, and
            /// `initialCluster` (default: the cluster's initial members and this one).
            func launch(_ cluster: ConcordCluster, initialCluster: String? = nil) throws -> ChildProcess {
                let initialCluster = initialCluster ?? cluster.initialCluster + ",\(name)=\(peerURL)"
                return try ChildProcess(BuildProducts.path("concord"), [
                    "--name", name, "--data-dir", dataDirectory,
                    "--listen-client-urls", "http://\(endpoint)", "--advertise-client-urls", "http://\(endpoint)",
                    "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
                    "--initial-cluster", initialCluster, "--initial-cluster-token", cluster.token,
                    "--initial-cluster-state", "existing",
                    "--heartbeat-interval", "100", "--election-timeout", "1000",
                ])
            }
        }

        static func hex(_ id: UInt64) -> String { String(id, radix: 16) }

        /// Retries `arguments` until etcdctl succeeds (a change right after another may find the
        /// new member's link not yet up, which etcd refuses as an unhealthy cluster too).
        static func eventually(_ cluster: ConcordCluster, _ arguments: [String], endpoints: [String]? = nil, timeout: Duration = .seconds(30)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            var last = ""
            while ContinuousClock.now < deadline {
                let result = try await cluster.etcdctl(arguments, endpoints: endpoints)
                if result.status == 0 { return result.output }
                last = result.errors
                try await Task.sleep(for: .milliseconds(300))
            }
            throw TestFailure("etcdctl \(arguments.joined(separator: " ")) never succeeded: \(last)")
        }

        /// Waits until `member list` shows `line` (a member publishes its name and client URLs
        /// shortly after it caught up).
        static func waitForListLine(_ cluster: ConcordCluster, _ line: String, timeout: Duration = .seconds(30)) async throws {
            let deadline = ContinuousClock.now + timeout
            var last = ""
            while ContinuousClock.now < deadline {
                last = try await cluster.etcdctl(["member", "list"]).output
                if last.contains(line) { return }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw TestFailure("member list never showed \(line):\n\(last)")
        }

        /// The `ETCD_INITIAL_CLUSTER` value etcdctl prints after `member add`.
        static func initialCluster(inAddOutput output: String) throws -> String {
            let prefix = "ETCD_INITIAL_CLUSTER=\""
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
                throw TestFailure("no ETCD_INITIAL_CLUSTER in \(output)")
            }
            return String(line.dropFirst(prefix.count).dropLast())
        }

        @Test("A one-member cluster adds a voter at once, as etcd does: member add returns before the new member runs, which then joins with --initial-cluster-state existing; a third joins the two alike")
        func growFromOne() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "a", "1"]).status == 0)
            let m1 = cluster.members[0]

            // A change in force only once committed: the one member commits it alone, so the add
            // returns within the command timeout instead of waiting for m2.
            let m2 = try Joiner("m2", in: cluster)
            let added = try await cluster.etcdctl(["member", "add", m2.name, "--peer-urls=\(m2.peerURL)", "--command-timeout=5s"])
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output.contains(" added to cluster "), "\(added.output)")
            #expect(added.output.contains("ETCD_NAME=\"m2\""), "\(added.output)")
            #expect(added.output.contains("ETCD_INITIAL_ADVERTISE_PEER_URLS=\"\(m2.peerURL)\""), "\(added.output)")
            #expect(added.output.contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), "\(added.output)")
            let twoMembers = try Self.initialCluster(inAddOutput: added.output)
            #expect(Set(twoMembers.split(separator: ",")) == ["m1=\(m1.peerURL)", "m2=\(m2.peerURL)"], "\(twoMembers)")

            let second = try m2.launch(cluster, initialCluster: twoMembers)
            defer { second.kill() }
            _ = try await Self.eventually(cluster, ["put", "b", "2"], endpoints: [m2.endpoint])
            #expect(try await cluster.etcdctl(["put", "c", "3"], endpoints: [m1.endpoint]).status == 0)
            for endpoint in [m1.endpoint, m2.endpoint] {
                let values = try await Self.eventually(cluster, ["get", "a", "d", "--print-value-only"], endpoints: [endpoint])
                #expect(values == "1\n2\n3\n", "\(endpoint): \(values)")
            }

            // Once m2 has published its name (etcd's started members), m3 joins the two.
            let m3 = try Joiner("m3", in: cluster)
            let addedThird = try await Self.eventually(cluster, ["member", "add", m3.name, "--peer-urls=\(m3.peerURL)", "--command-timeout=5s"],
                                                       endpoints: [m1.endpoint, m2.endpoint])
            let threeMembers = try Self.initialCluster(inAddOutput: addedThird)
            #expect(Set(threeMembers.split(separator: ",")) == ["m1=\(m1.peerURL)", "m2=\(m2.peerURL)", "m3=\(m3.peerURL)"], "\(threeMembers)")
            let third = try m3.launch(cluster, initialCluster: threeMembers)
            defer { third.kill() }
            _ = try await Self.eventually(cluster, ["put", "d", "4"], endpoints: [m3.endpoint])
            for endpoint in [m1.endpoint, m2.endpoint, m3.endpoint] {
                let values = try await Self.eventually(cluster, ["get", "a", "e", "--print-value-only"], endpoints: [endpoint])
                #expect(values == "1\n2\n3\n4\n", "\(endpoint): \(values)")
            }
        }

        @Test("Changes etcd refuses are refused with etcd's errors: unknown member, used peer URLs, promoting a voter, removing a voter that the working quorum needs")
        func refusedChanges() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            let unknown = try await cluster.etcdctl(["member", "remove", "1234abcd"])
            #expect(unknown.status == 1)
            #expect(unknown.errors.contains("etcdserver: member not found"), "\(unknown.errors)")
            let used = try await cluster.etcdctl(["member", "add", "x", "--peer-urls=\(cluster.members[0].peerURL)"])
            #expect(used.status == 1)
            #expect(used.errors.contains("etcdserver: Peer URLs already exists"), "\(used.errors)")
            let m2 = try await cluster.memberID(1)
            let voter = try await cluster.etcdctl(["member", "promote", Self.hex(m2)])
            #expect(voter.status == 1)
            #expect(voter.errors.contains("etcdserver: can only promote a learner member"), "\(voter.errors)")

            // With m3 down, m1 and m2 are the working quorum: neither may go.
            let m3 = try await cluster.memberID(2)
            cluster.kill(2)
            // m3 may have led: the survivors elect a leader before the changes below.
            try await cluster.waitForLeader()
            let needed = try await cluster.etcdctl(["member", "remove", Self.hex(m2)], endpoints: [cluster.members[0].endpoint])
            #expect(needed.status == 1)
            #expect(needed.errors.contains("etcdserver: unhealthy cluster"), "\(needed.errors)")
            // The member that is down may go: it is not part of the working quorum.
            let down = try await cluster.etcdctl(["member", "remove", Self.hex(m3), "--command-timeout=15s"], endpoints: [cluster.members[0].endpoint])
            #expect(down.status == 0, "\(down.errors)")
            #expect(down.output.contains("\(Self.hex(m3)) removed from cluster"), "\(down.output)")
            let list = try await cluster.etcdctl(["member", "list"], endpoints: [cluster.members[0].endpoint])
            #expect(!list.output.contains(Self.hex(m3)), "\(list.output)")
        }

        @Test("A voter added but never started counts against the quorum: removing a started one is refused as etcd refuses it, and the added member joins with --initial-cluster-state existing")
        func notEnoughStarted() async throws {
            let cluster = try await ConcordCluster.start(size: 2)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "k", "v"]).status == 0)
            let joiner = try Joiner("m3", in: cluster)
            let added = try await cluster.etcdctl(["member", "add", joiner.name, "--peer-urls=\(joiner.peerURL)"])
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output.contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), "\(added.output)")
            let m1 = try await cluster.memberID(0)
            let refused = try await cluster.etcdctl(["member", "remove", Self.hex(m1)])
            #expect(refused.status == 1)
            #expect(refused.errors.contains("etcdserver: re-configuration failed due to not enough started members"), "\(refused.errors)")

            let process = try joiner.launch(cluster)
            defer { process.kill() }
            let value = try await Self.eventually(cluster, ["get", "k", "--print-value-only", "--consistency=s"], endpoints: [joiner.endpoint])
            #expect(value == "v\n")
            try await Self.waitForListLine(cluster, ", started, m3, \(joiner.peerURL), http://\(joiner.endpoint), false")
        }

        @Test("A learner is promoted only once it has caught up with the leader, through any member; one learner at a time")
        func learnerPromotion() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            for index in 0..<20 { #expect(try await cluster.etcdctl(["put", "k\(index)", "v"]).status == 0) }
            let learner = try Joiner("m4", in: cluster)
            let added = try await cluster.etcdctl(["member", "add", learner.name, "--learner", "--peer-urls=\(learner.peerURL)"])
            #expect(added.status == 0, "\(added.errors)")
            let id = try #require(added.output.split(separator: " ").dropFirst().first.map(String.init))
            let second = try await cluster.etcdctl(["member", "add", "m5", "--learner", "--peer-urls=http://127.0.0.1:\(try FreePort.find())"])
            #expect(second.status == 1)
            #expect(second.errors.contains("etcdserver: too many learner members in cluster"), "\(second.errors)")
            let leader = try await cluster.waitForLeader()
            for index in [leader, (leader + 1) % 3] {
                let early = try await cluster.etcdctl(["member", "promote", id], endpoints: [cluster.members[index].endpoint])
                #expect(early.status == 1)
                #expect(early.errors.contains("etcdserver: can only promote a learner member which is in sync with leader"), "\(early.errors)")
            }
            let process = try learner.launch(cluster)
            defer { process.kill() }
            let promoted = try await Self.eventually(cluster, ["member", "promote", id], endpoints: [cluster.members[(leader + 1) % 3].endpoint])
            #expect(promoted.contains("\(id) promoted in cluster"), "\(promoted)")
            try await Self.waitForListLine(cluster, "\(id), started, m4, \(learner.peerURL), http://\(learner.endpoint), false")
        }

        @Test("A removed member stops, refuses to come back on its old data directory, and under the same name and URLs rejoins as a new member that catches up")
        func removedMemberStopsAndRejoins() async throws {
            let cluster = try await ConcordCluster.start(size: 3)
            defer { cluster.stop() }
            #expect(try await cluster.etcdctl(["put", "k", "v"]).status == 0)
            let old = try await cluster.memberID(2)
            let removed = try await cluster.etcdctl(["member", "remove", Self.hex(old)], endpoints: [cluster.members[0].endpoint])
            #expect(removed.status == 0, "\(removed.errors)")
            let process = try #require(cluster.members[2].process)
            let status = await process.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(process.standardError.suffix(2000))")
            #expect(process.standardError.contains("the member has been permanently removed from the cluster"), "\(process.standardError.suffix(2000))")

            try cluster.launch(2)
            let again = try #require(cluster.members[2].process)
            #expect(await again.waitForExit(timeout: .seconds(30)) != nil, "a removed member kept running on its old data directory")
            #expect(again.standardError.contains("permanently removed from the cluster"), "\(again.standardError.suffix(2000))")
            // When the removed member was the leader, the other two elect a new one first.
            _ = try await Self.eventually(cluster, ["put", "k", "w"], endpoints: [cluster.members[0].endpoint])

            let member = cluster.members[2]
            let added = try await Self.eventually(cluster, ["member", "add", member.name, "--peer-urls=\(member.peerURL)"], endpoints: [cluster.members[0].endpoint])
            let id = try #require(added.split(separator: " ").dropFirst().first.map(String.init))
            #expect(id != Self.hex(old))
            try FileManager.default.removeItem(atPath: member.dataDirectory)
            let rejoined = try ChildProcess(BuildProducts.path("concord"), cluster.flags(2) + ["--initial-cluster-state", "existing"])
            defer { rejoined.kill() }
            let value = try await Self.eventually(cluster, ["get", "k", "--print-value-only", "--consistency=s"], endpoints: [member.endpoint])
            #expect(value == "w\n")
            #expect(try await cluster.memberID(2) == UInt64(id, radix: 16))
        }
    }
}
