import Foundation

/// The member's log lines on standard error: time, level, message (one line each).
public struct ServerLog: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warn, error

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public let minimum: Level

    public init(level: String) {
        minimum = switch level {
        case "debug": .debug
        case "warn": .warn
        case "error", "panic", "fatal": .error
        default: .info
        }
    }

    public func log(_ level: Level, _ message: String) {
        guard level >= minimum else { return }
        let time = ISO8601DateFormatter().string(from: Date())
        FileHandle.standardError.write(Data("\(time) \(level) \(message)\n".utf8))
    }

    public func debug(_ message: String) { log(.debug, message) }
    public func info(_ message: String) { log(.info, message) }
    public func warn(_ message: String) { log(.warn, message) }
    public func error(_ message: String) { log(.error, message) }
}
