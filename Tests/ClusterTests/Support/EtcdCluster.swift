import Foundation
import ProcessTestSupport

/// A real etcd 3.4 cluster (Debian etcd-server) on free 127.0.0.1 ports, for comparing
/// Concord's answers with etcd's. `stop()` kills it and removes its data.
final class EtcdCluster: @unchecked Sendable {
    let processes: [ChildProcess]
    let endpoints: [String]
    let directory: String

    static func start(size: Int) async throws -> EtcdCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        var clientPorts: [Int] = []
        var peerPorts: [Int] = []
        for _ in 0..<size {
            clientPorts.append(try FreePort.find())
            peerPorts.append(try FreePort.find())
        }
        let cluster = (0..<size).map { "m\($0 + 1)=http://127.0.0.1:\(peerPorts[$0])" }.joined(separator: ",")
        var processes: [ChildProcess] = []
        for index in 0..<size {
            let client = "http://127.0.0.1:\(clientPorts[index])"
            let peer = "http://127.0.0.1:\(peerPorts[index])"
            processes.append(try ChildProcess("/usr/bin/etcd", [
                "--name", "m\(index + 1)", "--data-dir", "\(directory)/m\(index + 1)",
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", cluster, "--initial-cluster-token", "etcd-compare",
                "--log-level", "warn", "--logger", "zap",
            ]))
        }
        let etcd = EtcdCluster(processes: processes, endpoints: clientPorts.map { "127.0.0.1:\($0)" }, directory: directory)
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let health = try await Etcdctl.run(["endpoint", "health"], endpoints: etcd.endpoints)
            if health.status == 0 { return etcd }
            try await Task.sleep(for: .milliseconds(200))
        }
        let logs = etcd.processes.map { String($0.standardError.suffix(1000)) }.joined(separator: "\n")
        etcd.stop()
        throw TestFailure("etcd cluster did not become healthy: \(logs)")
    }

    private init(processes: [ChildProcess], endpoints: [String], directory: String) {
        self.processes = processes
        self.endpoints = endpoints
        self.directory = directory
    }

    deinit { stop() }

    func stop() {
        for process in processes { process.kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
