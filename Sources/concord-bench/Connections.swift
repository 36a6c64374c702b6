import EtcdAPI
import Foundation
import GRPCWire
import NIOCore
import NIOPosix

/// The benchmark's connections: one `GRPCClient` per `--conns` connection, each bound to one
/// endpoint in turn (etcd's benchmark dials `endpoints[i % len(endpoints)]` for connection i),
/// all on one event-loop group.
final class Connections: Sendable {
    let group: MultiThreadedEventLoopGroup
    let clients: [GRPCClient]
    /// The endpoints the connections go to (only the leader with `--target-leader`).
    let endpoints: [String]

    private init(group: MultiThreadedEventLoopGroup, clients: [GRPCClient], endpoints: [String]) {
        self.group = group
        self.clients = clients
        self.endpoints = endpoints
    }

    /// Opens the connections and proves each with a serializable Range, so that connection set-up
    /// is not counted in the first requests' latency.
    static func open(_ options: GlobalOptions) async throws -> Connections {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        do {
            var endpoints = options.endpointList
            if options.targetLeader {
                endpoints = [try await Self.leader(of: endpoints, options: options, group: group)]
            }
            let clients = try (0..<options.conns).map { index in
                try GRPCClient(
                    .init(
                        endpoints: [endpoints[index % endpoints.count]], tls: options.tls,
                        connectTimeout: options.connectTimeout),
                    group: group)
            }
            let connections = Connections(group: group, clients: clients, endpoints: endpoints)
            try await connections.probe()
            return connections
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The client that logical client `index` uses (etcd: `conns[i % totalConns]`).
    func client(for index: Int) -> GRPCClient {
        self.clients[index % self.clients.count]
    }

    func close() async {
        for client in self.clients { await client.close() }
        try? await self.group.shutdownGracefully()
    }

    private func probe() async throws {
        var probe = Etcdserverpb_RangeRequest()
        probe.key = Data("concord-bench-probe".utf8)
        probe.serializable = true
        let request = probe
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for client in self.clients {
                tasks.addTask {
                    let _: Etcdserverpb_RangeResponse = try await client.unary(
                        EtcdMethod.range, request, timeout: .seconds(30))
                }
            }
            try await tasks.waitForAll()
        }
    }

    /// Asks each endpoint for its status and returns the one that says it leads.
    private static func leader(
        of endpoints: [String], options: GlobalOptions, group: MultiThreadedEventLoopGroup
    ) async throws -> String {
        for endpoint in endpoints {
            let client = try GRPCClient(
                .init(endpoints: [endpoint], tls: options.tls, connectTimeout: options.connectTimeout), group: group)
            defer { Task { await client.close() } }
            guard
                let status: Etcdserverpb_StatusResponse = try? await client.unary(
                    EtcdMethod.status, Etcdserverpb_StatusRequest(), timeout: .seconds(10))
            else { continue }
            if status.leader != 0 && status.leader == status.header.memberID { return endpoint }
        }
        throw BenchError("--target-leader: no endpoint of \(endpoints.joined(separator: ",")) is the leader")
    }
}

/// The gRPC paths of the etcd v3 methods the benchmarks call.
enum EtcdMethod {
    static let put = "/etcdserverpb.KV/Put"
    static let range = "/etcdserverpb.KV/Range"
    static let txn = "/etcdserverpb.KV/Txn"
    static let watch = "/etcdserverpb.Watch/Watch"
    static let leaseGrant = "/etcdserverpb.Lease/LeaseGrant"
    static let leaseKeepAlive = "/etcdserverpb.Lease/LeaseKeepAlive"
    static let status = "/etcdserverpb.Maintenance/Status"
}

/// A failure the user can act on: printed as it is, exit status 1.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
