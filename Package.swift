// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
    ],
    targets: [
        .target(name: "Raft"),
        .testTarget(name: "RaftTests", dependencies: ["Raft"]),
    ]
)
