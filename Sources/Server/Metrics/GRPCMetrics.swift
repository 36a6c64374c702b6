import GRPCWire
import NIOConcurrencyHelpers

/// Calls the client port finished, by method and status code: go-grpc-prometheus's
/// `grpc_server_handled_total`, which etcd exposes and dashboards chart.
///
/// Each method's observer knows its row, so counting a call is one lock and one addition: no
/// lookup by name and no allocation on the event loop.
final class GRPCMetrics: Sendable {
    private struct Method {
        var service: String
        var name: String
        var type: GRPCMethodType
    }

    private let methods: [Method]
    /// Row `method`, column `code`: calls to the method that ended with the code.
    private let handled: NIOLockedValueBox<[UInt64]>
    private static let codes = GRPCStatus.Code.allCases.count

    /// The counters for `methods`, and the same methods with their endings counted.
    static func observing(_ methods: [GRPCServerMethod]) -> (metrics: GRPCMetrics, methods: [GRPCServerMethod]) {
        let metrics = GRPCMetrics(methods.map { method in
            let parts = method.path.split(separator: "/")
            return Method(service: parts.first.map(String.init) ?? "", name: parts.last.map(String.init) ?? "", type: method.type)
        })
        let observed = methods.enumerated().map { row, method in
            method.observingFinishes { code in metrics.count(row: row, code: code) }
        }
        return (metrics, observed)
    }

    private init(_ methods: [Method]) {
        self.methods = methods
        handled = NIOLockedValueBox(Array(repeating: 0, count: methods.count * Self.codes))
    }

    private func count(row: Int, code: GRPCStatus.Code) {
        handled.withLockedValue { $0[row * Self.codes + code.rawValue] += 1 }
    }

    /// Every method with every code, zeros included, as etcd registers them with
    /// go-grpc-prometheus: a rate starts from 0 rather than from the first failure.
    func render(into page: inout PrometheusText) {
        let counts = handled.withLockedValue { $0 }
        var samples: [(labels: [(String, String)], value: UInt64)] = []
        for (row, method) in methods.enumerated() {
            for code in GRPCStatus.Code.allCases {
                let labels = [("grpc_code", code.goName), ("grpc_method", method.name),
                              ("grpc_service", method.service), ("grpc_type", method.type.rawValue)]
                samples.append((labels, counts[row * Self.codes + code.rawValue]))
            }
        }
        page.counter("grpc_server_handled_total", "Total number of RPCs completed on the server, regardless of success or failure.", samples: samples)
    }
}
