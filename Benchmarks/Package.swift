// swift-tools-version:6.1
import PackageDescription

// Microbenchmarks (ordo-one/benchmark). A package of its own so that the main build and the test
// suite do not carry the benchmark tooling. Run: `cd Benchmarks && swift package benchmark`.
let package = Package(
    name: "ConcordBenchmarks",
    dependencies: [
        .package(name: "Concord", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RaftBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Raft", package: "Concord"),
            ],
            path: "RaftBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // LMDB with no Swift layer: the baseline for the log environment's appends.
        .systemLibrary(name: "RawLMDB", path: "RawLMDB", pkgConfig: "lmdb"),
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Storage", package: "Concord"),
                .product(name: "Raft", package: "Concord"),
                "RawLMDB",
            ],
            path: "StorageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
