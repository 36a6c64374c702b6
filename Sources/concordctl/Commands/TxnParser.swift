import EtcdAPI
import Foundation
import GoText

/// etcdctl's txn input: compares, an empty line, the success requests, an empty line, the
/// failure requests, an empty line. Each part is read line by line as etcdctl reads it
/// (a section not ended by a newline is an error: "EOF").
///
/// A compare is `<target>("<key>") <op> "<value>"`, target one of `ver`/`version`, `c`/`create`,
/// `m`/`mod`, `val`/`value`, `lease`, op one of `=`, `!=`, `<`, `>`. A request is a `put`, `get`
/// or `del` command line with that command's flags.
struct TxnParser {
    /// Reads one line with its newline; nil at the end of input.
    let readLine: () -> String?

    func compares() throws(CtlError) -> [Etcdserverpb_Compare] {
        var compares: [Etcdserverpb_Compare] = []
        while let line = try self.nextLine() {
            compares.append(try Self.compare(line))
        }
        return compares
    }

    func requests() throws(CtlError) -> [Etcdserverpb_RequestOp] {
        var requests: [Etcdserverpb_RequestOp] = []
        while let line = try self.nextLine() {
            requests.append(try Self.request(line))
        }
        return requests
    }

    /// The next line without surrounding space; nil for the empty line that ends a section.
    private func nextLine() throws(CtlError) -> String? {
        guard let line = self.readLine(), line.hasSuffix("\n") else { throw CtlError(.invalidInput, "EOF") }
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func compare(_ line: String) throws(CtlError) -> Etcdserverpb_Compare {
        guard let open = line.firstIndex(of: "(") else { throw CtlError(.invalidInput, "malformed comparison: \(line)") }
        let target = String(line[..<open])
        let scanned = Self.scanCompare(line[line.index(after: open)...])
        guard let key = scanned.key, let op = scanned.op, let value = scanned.value else {
            throw CtlError(
                .invalidInput,
                "malformed comparison: \(line); got \(target)(\(GoQuote.quote(scanned.key ?? []))) \(scanned.op ?? "") "
                    + GoQuote.quote(scanned.value ?? []))
        }
        var compare = Etcdserverpb_Compare()
        compare.key = Data(key)
        let invalid = CtlError(.invalidInput, "invalid txn compare request: \(line)")
        func number() throws(CtlError) -> Int64 {
            do {
                return try GoStrconv.parseInt(String(decoding: value, as: UTF8.self))
            } catch {
                throw invalid
            }
        }
        switch target {
        case "ver", "version":
            compare.target = .version
            compare.version = try number()
        case "c", "create":
            compare.target = .create
            compare.createRevision = try number()
        case "m", "mod":
            compare.target = .mod
            compare.modRevision = try number()
        case "val", "value":
            compare.target = .value
            compare.value = Data(value)
        case "lease":
            compare.target = .lease
            compare.lease = try number()
        default:
            throw CtlError(.invalidInput, "malformed comparison: \(line) (unknown target \(target))")
        }
        switch op {
        case "=": compare.result = .equal
        case "!=": compare.result = .notEqual
        case "<": compare.result = .less
        case ">": compare.result = .greater
        default: throw invalid
        }
        return compare
    }

    /// `fmt.Sscanf(text, "%q) %s %q")`: what it got before it stopped. A space in the format
    /// needs at least one space in the input.
    private static func scanCompare(_ text: Substring) -> (key: [UInt8]?, op: String?, value: [UInt8]?) {
        var rest = text.drop { $0 == " " || $0 == "\t" }
        guard let (key, afterKey) = try? GoUnquote.literal(at: rest) else { return (nil, nil, nil) }
        rest = afterKey
        guard rest.first == ")" else { return (key, nil, nil) }
        rest = rest.dropFirst()
        guard let space = rest.first, space == " " || space == "\t" else { return (key, nil, nil) }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        let op = rest.prefix { $0 != " " && $0 != "\t" }
        guard !op.isEmpty else { return (key, nil, nil) }
        rest = rest.dropFirst(op.count)
        guard let space = rest.first, space == " " || space == "\t" else { return (key, String(op), nil) }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard let (value, _) = try? GoUnquote.literal(at: rest) else { return (key, String(op), nil) }
        return (key, String(op), value)
    }

    static func request(_ line: String) throws(CtlError) -> Etcdserverpb_RequestOp {
        let arguments = try Self.argify(line)
        guard arguments.count >= 2 else { throw CtlError(.invalidInput, "invalid txn compare request: \(line)") }
        let invalid = CtlError(.invalidInput, "invalid txn request: \(line)")
        let rest = Array(arguments.dropFirst())
        var op = Etcdserverpb_RequestOp()
        switch arguments[0] {
        case "put":
            guard let put = try? Put.parse(rest) else { throw invalid }
            op.requestPut = try put.request(standardInput: nil)
        case "get":
            guard let get = try? Get.parse(rest) else { throw invalid }
            op.requestRange = try get.request()
        case "del":
            guard let del = try? Del.parse(rest) else { throw invalid }
            op.requestDeleteRange = try del.request()
        default:
            throw invalid
        }
        return op
    }

    /// etcdctl's `argify`: words split at spaces, where a `"…"` word is a Go string literal and
    /// a `'…'` word is taken as it is written between the quotes.
    static func argify(_ line: String) throws(CtlError) -> [String] {
        var words: [String] = []
        var rest = Substring(line)
        while true {
            rest = rest.drop { $0.isWhitespace }
            guard let first = rest.first else { return words }
            if first == "\"" {
                do {
                    let (bytes, after) = try GoUnquote.literal(at: rest)
                    words.append(String(decoding: bytes, as: UTF8.self))
                    rest = after
                } catch {
                    throw CtlError(.invalidInput, "invalid syntax")
                }
            } else if first == "'", let close = rest.dropFirst().firstIndex(of: "'") {
                words.append(String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                let word = rest.prefix { !$0.isWhitespace }
                words.append(String(word))
                rest = rest.dropFirst(word.count)
            }
        }
    }
}
