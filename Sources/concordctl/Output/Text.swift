/// Output built up as bytes and written at once. Keys and values are arbitrary bytes, and
/// etcdctl prints them as they are: nothing here goes through a String that would replace
/// invalid UTF-8.
struct Text {
    private(set) var bytes: [UInt8] = []

    mutating func line(_ string: String = "") {
        self.bytes.append(contentsOf: string.utf8)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    mutating func line(bytes: some Sequence<UInt8>) {
        self.bytes.append(contentsOf: bytes)
        self.bytes.append(UInt8(ascii: "\n"))
    }

    mutating func append(_ string: String) {
        self.bytes.append(contentsOf: string.utf8)
    }

    mutating func append(bytes: some Sequence<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    mutating func append(_ other: Text) {
        self.bytes.append(contentsOf: other.bytes)
    }

    var isEmpty: Bool { self.bytes.isEmpty }
}
