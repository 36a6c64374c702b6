/// etcdctl's `-w/--write-out` formats. `protobuf` (the raw response bytes) is offered where
/// etcdctl offers it: the key-value commands, watch and member list.
enum OutputFormat: String, CaseIterable {
    case simple
    case json
    case fields
    case table
    case protobuf

    init(parsing value: String) throws(CtlError) {
        guard let format = OutputFormat(rawValue: value) else {
            throw CtlError(.badFeature, "unsupported output format")
        }
        self = format
    }
}
