import Foundation

/// The process's standard output and error, unbuffered: a watch's events must reach a pipe as
/// they arrive.
enum Terminal {
    static func write(_ text: Text) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.bytes))
    }

    static func writeError(_ text: Text) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.bytes))
    }

    static func error(_ line: String) {
        var text = Text()
        text.line(line)
        self.writeError(text)
    }
}
