// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Linearizability", targets: ["Linearizability"]),
    ],
    targets: [
        .target(name: "Raft"),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Linearizability"]),
        .target(name: "Linearizability"),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
    ]
)
