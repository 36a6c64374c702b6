import EtcdAPI
import Foundation
import GoText
import SwiftProtobuf

/// The fields format's pieces: `"Name" : value` lines, Go's `%q` for byte strings.
enum Fields {
    static func header(_ header: Etcdserverpb_ResponseHeader, into text: inout Text) {
        text.line("\"ClusterID\" : \(header.clusterID)")
        text.line("\"MemberID\" : \(header.memberID)")
        text.line("\"Revision\" : \(header.revision)")
        text.line("\"RaftTerm\" : \(header.raftTerm)")
    }

    static func keyValue(_ kv: Mvccpb_KeyValue, prefix: String = "", into text: inout Text) {
        text.line("\"\(prefix)Key\" : \(GoQuote.quote(kv.key))")
        text.line("\"\(prefix)CreateRevision\" : \(kv.createRevision)")
        text.line("\"\(prefix)ModRevision\" : \(kv.modRevision)")
        text.line("\"\(prefix)Version\" : \(kv.version)")
        text.line("\"\(prefix)Value\" : \(GoQuote.quote(kv.value))")
        text.line("\"\(prefix)Lease\" : \(kv.lease)")
    }

    /// Go's `fmt.Println` of a `[]string`: `[a b]`.
    static func list(_ values: [String]) -> String { "[" + values.joined(separator: " ") + "]" }
}
