import Foundation
import ProcessTestSupport
import Testing

/// concord-bench, the built binary, against a real etcd 3.4: the requests it reports are the
/// requests the server received, and its JSON says so.
@Suite("concord-bench against etcd", .serialized)
struct ConcordBenchTests {
    /// The number of keys etcd holds: the `count` of a Range over the whole key space (etcdctl
    /// 3.4 has no --count-only; `count` is the total whatever the limit).
    static func keyCount(_ etcd: EtcdServer) async throws -> Int {
        let result = try await ChildProcess.run(
            "/usr/bin/etcdctl", ["--endpoints", etcd.endpoint, "get", "", "--from-key", "--keys-only", "--limit=1", "-w", "json"],
            environment: ["ETCDCTL_API": "3"])
        guard result.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        else { throw TestFailure("etcdctl get --from-key failed: \(result.errors)") }
        return (json["count"] as? Int) ?? 0
    }

    @Test("put with sequential keys writes every key of the key space, and the JSON counts every put")
    func putWritesEveryKey() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let output = try await ConcordBench.json([
            "--endpoints", "http://\(etcd.endpoint)", "--conns=4", "--clients=16", "--target-leader",
            "put", "--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=500", "--total=500",
        ])
        #expect(output.tool == "concord-bench")
        #expect(output.benchmark == "put")
        let put = try output.phase("put")
        #expect(put.succeeded == 500)
        #expect(put.failed == 0)
        #expect(put.errors.isEmpty)
        #expect(put.requestsPerSecond > 0)
        #expect(put.timeSeries.reduce(0) { $0 + $1.requests } == 500)
        #expect(put.percentiles.map(\.percentile) == [10, 25, 50, 75, 90, 95, 99, 99.9, 99.99])
        #expect(zip(put.percentiles, put.percentiles.dropFirst()).allSatisfy { $0.seconds <= $1.seconds })
        #expect(output.client.requests == 500)
        #expect(output.client.cpuSeconds > 0)
        #expect(try await Self.keyCount(etcd) == 500)
    }

    @Test("range, txn-put, mixed and lease-keepalive each complete every request they were asked for")
    func otherWorkloadsComplete() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let global = ["--endpoints", etcd.endpoint, "--conns=2", "--clients=8"]
        let rangeLinearizable = try await ConcordBench.json(global + ["range", "foo", "--consistency=l", "--total=200"])
        #expect(try rangeLinearizable.phase("range").succeeded == 200)
        let rangeSerializable = try await ConcordBench.json(global + ["range", "a", "z", "--consistency=s", "--total=200"])
        #expect(try rangeSerializable.phase("range").succeeded == 200)

        let txn = try await ConcordBench.json(
            global + ["txn-put", "--txn-ops=4", "--key-space-size=40", "--total=100", "--val-size=16"])
        #expect(try txn.phase("txn-put").succeeded == 100)
        // 100 transactions of 4 puts over keys (i*4+j) % 40: all 40 keys written.
        #expect(try await Self.keyCount(etcd) == 40)

        let mixed = try await ConcordBench.json(global + ["mixed", "--read-ratio=0.5", "--key-space-size=1000", "--total=400"])
        let reads = try mixed.phase("mixed-range").succeeded
        let writes = try mixed.phase("mixed-put").succeeded
        #expect(reads + writes == 400)
        #expect(try mixed.phase("mixed").succeeded == 400)
        #expect(reads > 100 && writes > 100)
        // The client's CPU is per request sent: the breakdown into reads and writes is not counted twice.
        #expect(mixed.client.requests == 400)

        let lease = try await ConcordBench.json(global + ["lease-keepalive", "--total=300"])
        #expect(try lease.phase("lease-keepalive").succeeded == 300)
    }

    @Test("an open-loop run at a fixed rate completes every request")
    func openLoopRate() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let output = try await ConcordBench.json([
            "--endpoints", etcd.endpoint, "--clients=4", "put", "--rate=400", "--total=200", "--key-space-size=200",
            "--sequential-keys",
        ])
        #expect(try output.phase("put").succeeded == 200)
        #expect(try await Self.keyCount(etcd) == 200)
    }

    @Test("watch delivers each put to every watcher of its key, and counts the events")
    func watchCountsEvents() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        // 20 watchers on 2 keys (10 each); 30 puts to the keys in turn: 300 events.
        let output = try await ConcordBench.json([
            "--endpoints", etcd.endpoint, "--conns=2", "--clients=4", "watch", "--streams=4", "--watch-per-stream=5",
            "--key-space-size=2", "--sequential-keys", "--put-total=30",
        ])
        #expect(try output.phase("watch creation").succeeded == 20)
        #expect(try output.phase("put").succeeded == 30)
        let events = try output.phase("watch events")
        #expect(events.succeeded == 300)
        #expect(events.failed == 0)

        let latency = try await ConcordBench.json([
            "--endpoints", etcd.endpoint, "--clients=5", "watch-latency", "--put-total=20", "--put-rate=200",
        ])
        #expect(try latency.phase("watch events").succeeded == 100)
    }

    @Test("requests the server refuses are counted by the kind of error, in JSON and in etcd's text")
    func errorsCountedByKind() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        // etcd refuses a Range of the empty key, and a Txn of more than 128 operations.
        let range = try await ConcordBench.json(["--endpoints", etcd.endpoint, "--clients=4", "range", "", "--total=50"])
        let refused = try range.phase("range")
        #expect(refused.succeeded == 0)
        #expect(refused.errors == ["rpc error: code = InvalidArgument desc = etcdserver: key is not provided": 50])
        let txn = try await ConcordBench.json([
            "--endpoints", etcd.endpoint, "txn-put", "--txn-ops=200", "--key-space-size=200", "--total=5",
        ])
        #expect(try txn.phase("txn-put").errors == [
            "rpc error: code = InvalidArgument desc = etcdserver: too many operations in txn request": 5
        ])

        let text = try await ConcordBench.run(["--endpoints", etcd.endpoint, "range", "", "--total=3"])
        #expect(text.status == 0)
        #expect(text.output.contains("Error distribution:"))
        #expect(text.output.contains("[3]\trpc error: code = InvalidArgument desc = etcdserver: key is not provided"))
    }

    @Test("over mutual TLS with --cacert, --cert and --key, as etcd's benchmark takes them")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let etcd = try await EtcdServer.start(tls: certificates)
        defer { etcd.stop() }
        let output = try await ConcordBench.json([
            "--endpoints", "https://\(etcd.endpoint)", "--cacert", certificates.ca, "--cert", certificates.clientCertificate,
            "--key", certificates.clientKey, "--conns=2", "--clients=4", "put", "--total=100",
        ])
        #expect(try output.phase("put").succeeded == 100)
        // Without a client certificate etcd refuses the connection: the run fails, saying so.
        let refused = try await ConcordBench.run([
            "--endpoints", etcd.endpoint, "--cacert", certificates.ca, "--dial-timeout=2s", "put", "--total=10",
        ])
        #expect(refused.status != 0)
    }

    @Test("an endpoint that does not answer fails the run with a clear message")
    func unreachableEndpoint() async throws {
        let port = try FreePort.find()
        let result = try await ConcordBench.run(["--endpoints", "127.0.0.1:\(port)", "--dial-timeout=1s", "put", "--total=10"])
        #expect(result.status != 0)
        #expect(result.errors.contains("127.0.0.1:\(port)"))
    }

    @Test("the text output is etcd's, and report sets two JSON results side by side in one HTML file")
    func textAndReport() async throws {
        let etcd = try await EtcdServer.start()
        defer { etcd.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let text = try await ConcordBench.run([
            "--endpoints", etcd.endpoint, "--report", directory.appendingPathComponent("one.html").path,
            "put", "--total=100",
        ])
        #expect(text.status == 0)
        for heading in ["Summary:", "Requests/sec:", "Response time histogram:", "Latency distribution:", "99.9% in", "Client CPU:"] {
            #expect(text.output.contains(heading))
        }
        let single = try String(contentsOf: directory.appendingPathComponent("one.html"), encoding: .utf8)
        #expect(single.contains("<svg"))

        for label in ["first", "second"] {
            let result = try await ConcordBench.run([
                "--endpoints", etcd.endpoint, "--label", label, "--output", "json", "range", "k", "--total=50",
            ])
            try result.output.write(to: directory.appendingPathComponent("\(label).json"), atomically: true, encoding: .utf8)
        }
        let report = directory.appendingPathComponent("both.html").path
        let made = try await ConcordBench.run([
            "report", "-o", report, directory.appendingPathComponent("first.json").path,
            directory.appendingPathComponent("second.json").path,
        ])
        #expect(made.status == 0, "\(made.errors)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("first") && html.contains("second"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
    }
}
