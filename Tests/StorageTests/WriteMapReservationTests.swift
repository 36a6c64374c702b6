import Foundation
import Glibc
@testable import Storage
import Testing

@Suite("Disk space reserved for the state environment, which is written through its map")
struct WriteMapReservationTests {
    @Test("the file is as long as the map, its disk blocks cover the pages in use and the reservation ahead of them, and db size counts the pages in use")
    func reservesAhead() throws {
        let dir = TemporaryDirectory()
        let mapSize = 1 << 30
        let store = try MVCCStore(path: dir.path, mapSize: mapSize, quotaBytes: 512 << 20, sync: .atClose)
        defer { store.close() }
        let value = [UInt8](repeating: 0x5A, count: 4_000)
        for batch in 0..<50 {
            try store.apply(index: UInt64(batch + 1), term: 1) { writes in
                for i in 0..<100 { _ = try writes.put(PutRequest(key: Array("reserve/\(batch)/\(i)".utf8), value: value)) }
            }
        }

        var info = stat()
        #expect(stat(dir.sub("data.mdb"), &info) == 0)
        #expect(Int(info.st_size) == mapSize, "file length \(info.st_size)")
        let used = store.sizeBytes()
        #expect(used >= 5_000 * value.count, "db size \(used) for 5,000 values of 4,000 bytes")
        #expect(used < mapSize / 8, "db size \(used) counts the map, not the pages in use")
        let allocated = Int(info.st_blocks) * 512
        // Reserved before the last transaction, which grew the file by well under 1 MiB.
        #expect(allocated >= used + Limits.writeMapReservedAheadBytes - (1 << 20), "\(allocated) bytes allocated, \(used) in use")
        #expect(allocated <= used + Limits.writeMapReservedAheadBytes + Limits.writeMapReservationStepBytes + (1 << 20),
                "\(allocated) bytes allocated, \(used) in use")
        #expect(try store.range(RangeRequest(key: Array("reserve/49/99".utf8))).kvs.first?.value == value)
    }
}
