// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Linearizability", targets: ["Linearizability"]),
        .library(name: "EtcdAPI", targets: ["EtcdAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(name: "Raft"),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Linearizability"]),
        .target(name: "Linearizability"),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
        // The wire: etcd's v3 API messages (generated, see scripts/generate-protos) and a thin
        // gRPC server and client on swift-nio-http2.
        .target(
            name: "EtcdAPI",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
    ]
)
