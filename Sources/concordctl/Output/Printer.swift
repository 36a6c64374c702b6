import EtcdAPI
import Foundation
import SwiftProtobuf

/// Turns responses into etcdctl's output for the chosen `-w` format. One method per response
/// kind, in the `Printer+…` files; a format etcdctl does not offer for a response throws, after
/// the request was made, as etcdctl's printers do.
struct Printer {
    let format: OutputFormat
    /// `--hex`: keys and values as `\x..` escapes in the simple format.
    let isHex: Bool
    /// `get --print-value-only`.
    var valueOnly = false

    /// etcdctl's `printKV`: the key (unless values only), then the value, each on its own line.
    func appendKeyValue(_ kv: Mvccpb_KeyValue, to text: inout Text) {
        if !self.valueOnly { text.line(bytes: self.byteText(kv.key)) }
        text.line(bytes: self.byteText(kv.value))
    }

    private func byteText(_ bytes: Data) -> [UInt8] {
        guard self.isHex else { return Array(bytes) }
        return Array(bytes.map { byte in "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined().utf8)
    }

    func json(_ value: JSONValue) -> Text {
        var text = Text()
        text.line(value.rendered)
        return text
    }

    /// `-w protobuf`: the response's own bytes, no newline.
    func protobuf(_ message: some SwiftProtobuf.Message) throws -> Text {
        var text = Text()
        text.append(bytes: try message.serializedBytes() as [UInt8])
        return text
    }
}
