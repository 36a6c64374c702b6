import ArgumentParser

/// etcdctl's `version`: this client's version and the API version it speaks.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prints the version of concordctl")

    /// etcdctl accepts the global flags with every command, this one too, and ignores them here.
    @OptionGroup var global: GlobalOptions

    static let clientVersion = "0.1.0"
    static let apiVersion = "3.4"

    func run() {
        var text = Text()
        text.line("concordctl version: \(Self.clientVersion)")
        text.line("API version: \(Self.apiVersion)")
        Terminal.write(text)
    }
}
