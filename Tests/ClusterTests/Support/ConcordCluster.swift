import Foundation
import ProcessTestSupport

/// Real `concord` members on free 127.0.0.1 ports, data in a fresh temporary directory that
/// `stop()` removes. Members are killed with SIGKILL or stopped with SIGTERM and restarted
/// on the same data directory and ports.
final class ConcordCluster: @unchecked Sendable {
    struct Member {
        var name: String
        var clientPort: Int
        var peerPort: Int
        var dataDirectory: String
        var process: ChildProcess?

        var endpoint: String { "127.0.0.1:\(clientPort)" }
        var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    }

    private(set) var members: [Member]
    let directory: String
    let token: String
    let extraFlags: [String]
    let electionTimeoutMilliseconds: Int
    /// When set, members run under `taskset -c` with this CPU list.
    let cpuList: String?

    var endpoints: [String] { members.map(\.endpoint) }
    var initialCluster: String { members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",") }

    /// Starts `size` members and waits until they agree on a leader.
    static func start(
        size: Int, electionTimeoutMilliseconds: Int = 1000, extraFlags: [String] = [], cpuList: String? = nil,
        prepare: (ConcordCluster, Int) async throws -> Void = { _, _ in }
    ) async throws -> ConcordCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var members: [Member] = []
        for index in 1...size {
            members.append(Member(name: "m\(index)", clientPort: try FreePort.find(), peerPort: try FreePort.find(),
                                  dataDirectory: directory + "/m\(index)", process: nil))
        }
        let cluster = ConcordCluster(members: members, directory: directory, token: "test-\(UUID().uuidString.prefix(8))",
                                     extraFlags: extraFlags, electionTimeoutMilliseconds: electionTimeoutMilliseconds, cpuList: cpuList)
        do {
            for index in members.indices {
                try await prepare(cluster, index)
                try cluster.launch(index)
            }
            try await cluster.waitForLeader()
            try await cluster.waitForPublishedClientURLs()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private init(members: [Member], directory: String, token: String, extraFlags: [String], electionTimeoutMilliseconds: Int, cpuList: String?) {
        self.cpuList = cpuList
        self.members = members
        self.directory = directory
        self.token = token
        self.extraFlags = extraFlags
        self.electionTimeoutMilliseconds = electionTimeoutMilliseconds
    }

    deinit { stop() }

    /// The flags member `index` runs with.
    func flags(_ index: Int) -> [String] {
        let member = members[index]
        return [
            "--name", member.name, "--data-dir", member.dataDirectory,
            "--listen-client-urls", "http://\(member.endpoint)", "--advertise-client-urls", "http://\(member.endpoint)",
            "--listen-peer-urls", member.peerURL, "--initial-advertise-peer-urls", member.peerURL,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token,
            "--heartbeat-interval", "\(electionTimeoutMilliseconds / 10)", "--election-timeout", "\(electionTimeoutMilliseconds)",
        ] + extraFlags
    }

    func launch(_ index: Int) throws {
        precondition(members[index].process?.isRunning != true, "member \(index) is running")
        if let cpuList {
            // taskset execs concord: the process is the member itself.
            members[index].process = try ChildProcess("/usr/bin/taskset", ["-c", cpuList, BuildProducts.path("concord")] + flags(index))
        } else {
            members[index].process = try ChildProcess(BuildProducts.path("concord"), flags(index))
        }
    }

    func kill(_ index: Int) {
        members[index].process?.kill()
    }

    /// SIGTERM, then waits for a clean exit; returns the exit status.
    func terminate(_ index: Int) async -> Int32? {
        guard let process = members[index].process else { return nil }
        process.terminate()
        return await process.waitForExit(timeout: .seconds(30))
    }

    func restart(_ index: Int) throws {
        kill(index)
        try launch(index)
    }

    func stop() {
        for index in members.indices { members[index].process?.kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func logs(_ index: Int) -> String { members[index].process?.standardError ?? "" }

    // MARK: Asking the members

    /// Runs etcdctl (API v3) against `endpoints` (default: all members).
    func etcdctl(_ arguments: [String], endpoints: [String]? = nil, input: String? = nil, timeout: Duration = .seconds(30)) async throws -> (status: Int32?, output: String, errors: String) {
        try await Etcdctl.run(arguments, endpoints: endpoints ?? self.endpoints, input: input, timeout: timeout)
    }

    /// The leader as each running member reports it (member IDs in hex; 0 for none).
    func leaders() async throws -> [Int: UInt64] {
        var result: [Int: UInt64] = [:]
        for index in members.indices where members[index].process?.isRunning == true {
            let status = try await etcdctl(["endpoint", "status", "-w", "json", "--command-timeout=1s"], endpoints: [members[index].endpoint])
            guard status.status == 0, let leader = Self.jsonNumber("leader", in: status.output) else { continue }
            result[index] = leader
        }
        return result
    }

    /// The member ID of member `index`.
    func memberID(_ index: Int) async throws -> UInt64 {
        let status = try await etcdctl(["endpoint", "status", "-w", "json"], endpoints: [members[index].endpoint])
        guard let id = Self.jsonNumber("member_id", in: status.output) else { throw TestFailure("no member_id in \(status)") }
        return id
    }

    /// Waits until every running member reports the same, non-zero leader; returns its index.
    @discardableResult
    func waitForLeader(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let leaders = try await leaders()
            let running = members.indices.filter { members[$0].process?.isRunning == true }
            if leaders.count == running.count, let leader = leaders.values.first, leader != 0, Set(leaders.values).count == 1 {
                for index in running where try await memberID(index) == leader { return index }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no leader agreed on within \(timeout); logs:\n" + members.indices.map { "m\($0 + 1): \(logs($0).suffix(1500))" }.joined(separator: "\n"))
    }

    /// Waits until the member list gives every member its client URLs. A member publishes them
    /// through the log once a leader is known, as etcd's does; a test that changed the
    /// membership before that (adding a voter to a single member) would leave them unpublished
    /// until the new quorum is whole.
    func waitForPublishedClientURLs(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try await etcdctl(["member", "list", "-w", "json"])
            last = result.output + result.errors
            if result.status == 0, result.output.components(separatedBy: "\"clientURLs\"").count - 1 == members.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("client URLs not published within \(timeout): \(last)")
    }

    /// Waits until every running member reports the same key-space hash; returns it.
    @discardableResult
    func waitForEqualHashes(timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let running = members.indices.filter { members[$0].process?.isRunning == true }.map { members[$0].endpoint }
            let result = try await etcdctl(["endpoint", "hashkv", "-w", "json"], endpoints: running)
            last = result.output + result.errors
            let hashes = Self.jsonNumbers("hash", in: result.output)
            if result.status == 0, hashes.count == running.count, Set(hashes).count == 1 { return String(hashes[0]) }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("hashes never agreed: \(last)")
    }

    static func jsonNumber(_ field: String, in text: String) -> UInt64? { jsonNumbers(field, in: text).first }

    static func jsonNumbers(_ field: String, in text: String) -> [UInt64] {
        let pattern = "\"\(field)\":"
        var numbers: [UInt64] = []
        var rest = Substring(text)
        while let range = rest.range(of: pattern) {
            rest = rest[range.upperBound...]
            numbers.append(UInt64(rest.prefix { $0.isNumber }) ?? 0)
        }
        return numbers
    }
}

/// The real etcdctl (Debian etcd-client), API v3.
enum Etcdctl {
    static let path = "/usr/bin/etcdctl"

    static func run(_ arguments: [String], endpoints: [String], input: String? = nil, timeout: Duration = .seconds(30)) async throws -> (status: Int32?, output: String, errors: String) {
        try await ChildProcess.run(path, ["--endpoints=\(endpoints.joined(separator: ","))"] + arguments,
                                   environment: ["ETCDCTL_API": "3"], input: input.map { Array($0.utf8) }, timeout: timeout)
    }
}
