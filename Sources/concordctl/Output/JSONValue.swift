import Foundation

/// A JSON document written the way Go's `encoding/json` writes it: etcdctl's `-w json` is
/// `json.Marshal` of etcd's Go structs, and tools compare that output byte for byte.
///
/// Objects keep their members in order (Go writes struct fields in declaration order); strings
/// are escaped as Go escapes them (`<`, `>`, `&`, U+2028 and U+2029 as `\u` sequences); byte
/// strings are base64, as Go encodes `[]byte`.
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case null

    static func bytes(_ data: Data) -> JSONValue { .string(data.base64EncodedString()) }

    /// Go's `[][]byte`: a nil slice is `null`, not `[]`.
    static func byteArrays(_ list: [Data]) -> JSONValue {
        list.isEmpty ? .null : .array(list.map { .bytes($0) })
    }

    var rendered: String {
        var out = ""
        self.render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .object(let members):
            out += "{"
            for (index, (name, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.renderString(name, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.render(into: &out)
            }
            out += "]"
        case .string(let string): Self.renderString(string, into: &out)
        case .int(let value): out += String(value)
        case .uint(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    private static func renderString(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += Self.unicodeEscape(scalar)
            case _ where scalar.value < 0x20:
                out += Self.unicodeEscape(scalar)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
