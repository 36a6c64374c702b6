// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Concord",
    products: [
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Linearizability", targets: ["Linearizability"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "EtcdAPI", targets: ["EtcdAPI"]),
        .library(name: "GRPCWire", targets: ["GRPCWire"]),
        .library(name: "Transport", targets: ["Transport"]),
        .executable(name: "concordctl", targets: ["concordctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "Raft"),
        // CRC-32C, shared by the storage engine's files and the peer protocol's frames.
        .target(name: "Checksums"),
        // Go's duration and quoting text, as etcd's flags and etcdctl's output use them: shared by
        // the server's flags, concordctl and concord-bench.
        .target(name: "GoText"),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Linearizability"]),
        .target(name: "Linearizability"),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
        // Storage engine: the Raft log and the MVCC key space in LMDB, LZ4-compressed snapshots.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .target(name: "Storage", dependencies: ["Raft", "Checksums", "CLMDB", "CLZ4"]),
        .executableTarget(name: "storage-crash-child", dependencies: ["Storage", "Raft"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Raft", "storage-crash-child"]),
        // The member: the run loop that drives Raft with the storage engine.
        .target(
            name: "Server",
            dependencies: [
                "Raft", "Storage", "Transport", "GRPCWire", "EtcdAPI", "GoText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The server executable: `concord` (etcd's flags) and its offline snapshot tools.
        .executableTarget(name: "concord", dependencies: ["Server", "Storage", "Raft"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Storage", "Raft"]),
        // Helpers of the tests that run real processes (concord, etcd, etcdctl, openssl).
        .target(
            name: "ProcessTestSupport",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/ProcessTestSupport"
        ),
        // Real concord processes on 127.0.0.1 driven by the real etcdctl (and concordctl's own
        // commands, such as `endpoint quorum`).
        .testTarget(name: "ClusterTests", dependencies: ["concord", "concordctl", "ProcessTestSupport"]),
        // The wire: etcd's v3 API messages (generated, see scripts/generate-protos) and a thin
        // gRPC server and client on swift-nio-http2.
        .target(
            name: "EtcdAPI",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "GRPCWire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "grpcwire-test-server",
            dependencies: [
                "GRPCWire", "EtcdAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // Only for the benchmark's --multiplexer variant (MultiplexedPutServer).
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Unary-call load generator for the CPU-per-call figures (Benchmarks/grpcwire-unary.sh).
        .executableTarget(
            name: "grpcwire-bench",
            dependencies: [
                "GRPCWire", "EtcdAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/GRPCWireBench"
        ),
        .testTarget(
            name: "GRPCWireTests",
            dependencies: [
                "GRPCWire", "EtcdAPI", "grpcwire-test-server", "ProcessTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        // etcd's `benchmark` tool on GRPCWire's client: load, latency histograms, reports.
        .executableTarget(
            name: "concord-bench",
            dependencies: [
                "GRPCWire", "EtcdAPI", "GoText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "ConcordBenchTests",
            dependencies: ["concord-bench", "ProcessTestSupport"]
        ),
        // The peer protocol: Raft messages between members over TCP (optionally TLS) on SwiftNIO.
        .target(
            name: "Transport",
            dependencies: [
                "Raft", "Checksums",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "ProcessTestSupport",
                "Transport", "Raft", "Checksums",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // etcdctl v3's everyday commands, flags and output over GRPCWire (SPEC F17).
        .executableTarget(
            name: "concordctl",
            dependencies: [
                "GRPCWire", "EtcdAPI", "Raft", "GoText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "ConcordctlTests",
            dependencies: ["concordctl", "ProcessTestSupport"]
        ),
    ]
)
