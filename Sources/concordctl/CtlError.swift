/// A failure that ends the command the way etcdctl's `ExitWithError` does: `Error: <message>`
/// on standard error and the exit status etcdctl gives that kind of failure, so scripts that
/// branch on etcdctl's status codes work unchanged.
struct CtlError: Error {
    /// etcdctl's exit statuses (ctlv3/command/error.go).
    enum Exit: Int32 {
        case error = 1
        case badConnection = 2
        case invalidInput = 3
        case badFeature = 4
        case interrupted = 5
        case io = 6
        case badArgs = 128
    }

    var message: String
    var exit: Exit
    /// True when the command already said what failed on standard error and only the status is
    /// left to give (etcdctl's `os.Exit(ExitError)` after `endpoint status`).
    var isReported: Bool

    init(_ exit: Exit, _ message: String) {
        self.message = message
        self.exit = exit
        self.isReported = false
    }

    static func reported(_ exit: Exit) -> CtlError {
        var error = CtlError(exit, "")
        error.isReported = true
        return error
    }

    static func badArgs(_ message: String) -> CtlError { CtlError(.badArgs, message) }

    /// What every printer says when asked for a format it does not have.
    static func unsupported(_ format: OutputFormat) -> CtlError {
        CtlError(.badFeature, "\(format.rawValue) not supported as output format")
    }
}
