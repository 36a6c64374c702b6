// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Linearizability", targets: ["Linearizability"]),
        .library(name: "Transport", targets: ["Transport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(name: "Raft"),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Linearizability"]),
        .target(name: "Linearizability"),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
        // The peer protocol: Raft messages between members over TCP (optionally TLS) on SwiftNIO.
        .target(
            name: "Transport",
            dependencies: [
                "Raft",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "Raft",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ]
)
