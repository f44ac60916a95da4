// swift-tools-version: 6.0
// libFuzzer targets, kept out of the main package because they have no `main` of their own (libFuzzer
// provides it). Build and run them with scripts/fuzz.sh.
import PackageDescription

let fuzzerFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "tcptrace-swift-fuzz",
    dependencies: [.package(name: "tcptrace-swift", path: "..")],
    targets: [
        // Input: the bytes of a whole capture file, through read → decode → track → report.
        .executableTarget(name: "FuzzCapture", dependencies: [.product(name: "TCPTrace", package: "tcptrace-swift")],
                          swiftSettings: fuzzerFlags),
        // Input: one link-type byte then one packet, through the decoder.
        .executableTarget(name: "FuzzPacket", dependencies: [.product(name: "TCPTrace", package: "tcptrace-swift")],
                          swiftSettings: fuzzerFlags),
    ],
    swiftLanguageModes: [.v6]
)
