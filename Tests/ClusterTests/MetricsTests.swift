import Foundation
import ProcessTestSupport
import Testing

extension RealMembers {
    /// `/metrics` of a real member (SPEC F16): etcd's names and types, counting what clients did.
    @Suite("Prometheus metrics of a real member")
    struct MetricsTests {
        /// The samples of a scraped page by series (`name{labels}`), and each metric's type.
        struct Page {
            var samples: [String: Double] = [:]
            var types: [String: String] = [:]
            /// Series in page order, so that a histogram's buckets can be read in order.
            var series: [String] = []

            init(_ text: String) {
                for line in text.split(separator: "\n") {
                    if line.hasPrefix("# TYPE ") {
                        let parts = line.split(separator: " ")
                        types[String(parts[2])] = String(parts[3])
                    } else if !line.hasPrefix("#"), let space = line.lastIndex(of: " ") {
                        let name = String(line[..<space])
                        samples[name] = Double(line[line.index(after: space)...])
                        series.append(name)
                    }
                }
            }

            /// A histogram's bucket bounds and cumulative counts, in page order.
            func buckets(_ name: String) -> [(bound: String, count: Double)] {
                series.filter { $0.hasPrefix(name + "_bucket{le=\"") }.map { series in
                    (String(series.dropFirst(name.count + 12).dropLast(2)), samples[series] ?? -1)
                }
            }
        }

        @Test("After N puts with etcdctl, /metrics shows N proposals applied, N handled Puts, a leader change and log syncs in cumulative buckets ending in +Inf")
        func countsWhatClientsDid() async throws {
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            let puts = 20
            for index in 0..<puts {
                let put = try await cluster.etcdctl(["put", "metrics/\(index)", "value \(index)"])
                #expect(put.status == 0, "\(put.errors)")
            }
            let scraped = try await ChildProcess.run("/usr/bin/curl", ["-s", "http://\(cluster.members[0].endpoint)/metrics"])
            let page = Page(scraped.output)

            #expect((page.samples["etcd_server_proposals_applied_total"] ?? 0) >= Double(puts), "\(scraped.output)")
            #expect((page.samples["etcd_server_leader_changes_seen_total"] ?? 0) >= 1)
            #expect(page.types["etcd_server_leader_changes_seen_total"] == "counter")
            #expect(page.samples["etcd_server_has_leader"] == 1)
            #expect(page.samples["etcd_server_is_leader"] == 1)
            #expect(page.samples["etcd_server_proposals_pending"] == 0)
            #expect((page.samples["etcd_debugging_mvcc_keys_total"] ?? 0) >= Double(puts))
            #expect((page.samples["grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}"] ?? 0) >= Double(puts), "\(scraped.output)")

            for histogram in ["etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds", "concord_raft_batch_entries"] {
                #expect(page.types[histogram] == "histogram")
                let count = page.samples[histogram + "_count"] ?? 0
                #expect(count > 0, "\(histogram)")
                let buckets = page.buckets(histogram)
                #expect(buckets.last?.bound == "+Inf", "\(histogram): \(buckets)")
                #expect(buckets.last?.count == count, "\(histogram): \(buckets)")
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.count <= $1.count }, "\(histogram): \(buckets)")
            }
            let fsync = page.buckets("etcd_disk_wal_fsync_duration_seconds").map(\.bound)
            #expect(fsync.first == "0.001" && fsync.dropLast().last == "8.192" && fsync.count == 15, "\(fsync)")
            #expect((page.samples["etcd_disk_wal_fsync_duration_seconds_count"] ?? 0) >= Double(puts))

            // The gauges other suites read are still there.
            #expect(scraped.output.contains("\nconcord_cluster_voting_members 1\n"))
            #expect(scraped.output.contains("\netcd_mvcc_db_total_size_in_bytes "))
        }

        @Test("Every etcd_ and grpc_ metric Concord serves is one etcd 3.4 serves, with etcd's type, histogram buckets and labels")
        func sameNamesAsEtcd() async throws {
            let etcd = try await EtcdCluster.start(size: 1)
            defer { etcd.stop() }
            let cluster = try await ConcordCluster.start(size: 1)
            defer { cluster.stop() }
            var pages: [Page] = []
            for endpoint in [etcd.endpoints[0], cluster.members[0].endpoint] {
                let put = try await Etcdctl.run(["put", "k", "v"], endpoints: [endpoint])
                #expect(put.status == 0, "\(put.errors)")
                pages.append(Page(try await ChildProcess.run("/usr/bin/curl", ["-s", "http://\(endpoint)/metrics"]).output))
            }
            let (etcdPage, concordPage) = (pages[0], pages[1])
            // etcd_server_term is Concord's own (etcd has none); the rest must be etcd's.
            let shared = concordPage.types.keys.filter { ($0.hasPrefix("etcd_") || $0.hasPrefix("grpc_")) && $0 != "etcd_server_term" }
            #expect(shared.count >= 15, "\(shared.sorted())")
            for name in shared.sorted() {
                #expect(concordPage.types[name] == etcdPage.types[name], "\(name): etcd's type is \(etcdPage.types[name] ?? "none")")
                if concordPage.types[name] == "histogram" {
                    #expect(concordPage.buckets(name).map(\.bound) == etcdPage.buckets(name).map(\.bound), "\(name)")
                }
            }
            let handledPut = "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}"
            #expect(etcdPage.samples[handledPut] == 1)
            #expect(concordPage.samples[handledPut] == 1)
            let etcdHandled = Set(etcdPage.series.filter { $0.hasPrefix("grpc_server_handled_total{") && $0.contains("etcdserverpb.KV") })
            let concordHandled = Set(concordPage.series.filter { $0.hasPrefix("grpc_server_handled_total{") && $0.contains("etcdserverpb.KV") })
            #expect(concordHandled.isSubset(of: etcdHandled), "\(concordHandled.subtracting(etcdHandled).sorted())")
        }
    }
}
