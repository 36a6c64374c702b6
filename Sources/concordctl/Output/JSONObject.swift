import Foundation

/// Members of a Go struct with `omitempty` tags: zero values are left out.
struct JSONObject {
    private(set) var members: [(String, JSONValue)] = []

    mutating func always(_ name: String, _ value: JSONValue) { self.members.append((name, value)) }

    mutating func omitEmpty(_ name: String, _ value: Int64) { if value != 0 { self.members.append((name, .int(value))) } }
    mutating func omitEmpty(_ name: String, _ value: UInt64) { if value != 0 { self.members.append((name, .uint(value))) } }
    mutating func omitEmpty(_ name: String, _ value: Bool) { if value { self.members.append((name, .bool(true))) } }
    mutating func omitEmpty(_ name: String, _ value: String) { if !value.isEmpty { self.members.append((name, .string(value))) } }
    mutating func omitEmpty(_ name: String, _ value: Data) { if !value.isEmpty { self.members.append((name, .bytes(value))) } }
    mutating func omitEmpty(_ name: String, _ values: [JSONValue]) {
        if !values.isEmpty { self.members.append((name, .array(values))) }
    }
    mutating func omitEmpty(_ name: String, _ value: JSONValue?) { if let value { self.members.append((name, value)) } }

    var value: JSONValue { .object(self.members) }
}
