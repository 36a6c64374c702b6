// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Linearizability", targets: ["Linearizability"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Server", targets: ["Server"]),
    ],
    targets: [
        .target(name: "Raft"),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Linearizability"]),
        .target(name: "Linearizability"),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
        // Storage engine: the Raft log and the MVCC key space in LMDB, LZ4-compressed snapshots.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .target(name: "Storage", dependencies: ["Raft", "CLMDB", "CLZ4"]),
        .executableTarget(name: "storage-crash-child", dependencies: ["Storage", "Raft"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Raft", "storage-crash-child"]),
        // The member: the run loop that drives Raft with the storage engine.
        .target(name: "Server", dependencies: ["Raft", "Storage"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Storage", "Raft"]),
    ]
)
