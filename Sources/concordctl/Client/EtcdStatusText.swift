import GRPCWire

extension CtlError {
    /// A failed call as etcdctl prints it. clientv3 turns etcd's own errors (every one starts
    /// with "etcdserver: ") into plain errors with that text; a deadline is Go's context error;
    /// anything else is grpc-go's `rpc error: code = … desc = …`.
    init(_ error: any Error, exit: Exit = .error) {
        self.init(exit, Self.text(of: error))
    }

    /// A failure's text as etcdctl prints it.
    static func text(of error: any Error) -> String {
        switch error {
        case let status as GRPCStatus: self.text(of: status)
        case let error as CtlError: error.message
        default: "\(error)"
        }
    }

    static func text(of status: GRPCStatus) -> String {
        switch status.code {
        case .deadlineExceeded: return "context deadline exceeded"
        case .cancelled: return "context canceled"
        default:
            if status.message.hasPrefix("etcdserver: ") { return status.message }
            return "rpc error: code = \(status.code.goName) desc = \(status.message)"
        }
    }
}
