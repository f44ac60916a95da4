// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tcptrace-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tcptrace-swift", targets: ["tcptrace-swift"]),
        .library(name: "TCPTrace", targets: ["TCPTrace"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // live --metrics-listen (issue #24): the Prometheus text format, and FlyingFox's socket layer (FlyingSocks)
        // under the endpoint, used by TCPTraceMetrics only. Not FlyingFox's HTTP server: it imports
        // FoundationNetworking, which linked libcurl and some thirty libraries into every command (+7.7 MB RSS).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // libpcap, reached only through this module and only from Sources/TCPTrace/Capture.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .target(
            name: "TCPTrace",
            dependencies: ["CPcap", .product(name: "Yams", package: "Yams"),
                           .product(name: "DequeModule", package: "swift-collections")]
        ),
        // live --metrics-listen: the Prometheus registry and its HTTP endpoint, fed from live events. Apart from
        // the library so that TCPTrace never links an HTTP server.
        .target(
            name: "TCPTraceMetrics",
            dependencies: [
                "TCPTrace",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // Deterministic pcap writer: builds captures byte by byte for tests and for fixtures a kernel will
        // not produce (scripts/make-synthetic-fixtures).
        .target(name: "PcapSynth"),
        .executableTarget(
            name: "tcptrace-swift",
            dependencies: [
                "TCPTrace",
                "TCPTraceMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "make-fixtures",
            dependencies: ["PcapSynth"]
        ),
        // Benchmark input generator (scripts/benchmark.sh).
        .executableTarget(
            name: "bench-gen",
            dependencies: ["PcapSynth"]
        ),
        .testTarget(
            name: "TCPTraceTests",
            dependencies: ["TCPTrace", "PcapSynth", "TCPTraceMetrics"],
            // Read from the source tree by path, not bundled.
            exclude: ["Golden", "FuzzRegressions", "corpus-rejections.tsv"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
