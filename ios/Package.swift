// swift-tools-version:6.0
//
// QuetMa's iOS package: the generated uniffi bindings (QuetMaCore) and the shell's platform
// glue (QuetMaKit). The generated sources are not committed: `scripts/swift-test` (Linux, macOS)
// or `scripts/build-xcframework.sh` (macOS, for the app) put them in place.
//
// - QuetMaCoreFFI: the C interface of the Rust library. On macOS, when
//   build/QuetMaCoreFFI.xcframework exists (scripts/build-xcframework.sh), it is a binary
//   target holding the static library for device and simulator; otherwise (Linux CI, host
//   tests) a system library whose module map links libquetma_ffi (pass
//   `-Xlinker -L<cargo target>/debug`).
// - QuetMaCore: the generated Swift, compiled in Swift 5 language mode (uniffi's output is
//   not fully Swift 6 clean).
// - QuetMaKit: Swift 6, warnings as errors, Foundation only on Linux; Keychain and
//   CoreVideo glue behind `#if canImport(...)`.
import Foundation
import PackageDescription

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let xcframework = "build/QuetMaCoreFFI.xcframework"
let useXCFramework = FileManager.default.fileExists(atPath: "\(root)/\(xcframework)")

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

let ffiTarget: Target = useXCFramework
    ? .binaryTarget(name: "QuetMaCoreFFI", path: xcframework)
    : .systemLibrary(name: "QuetMaCoreFFI", path: "Sources/QuetMaCoreFFI")
// The app flows' C interface, in the same library: on Linux a second system library; with the
// xcframework its module map declares both modules (scripts/build-xcframework.sh).
let appFFI: [Target] = useXCFramework
    ? []
    : [.systemLibrary(name: "QuetMaFlowsFFI", path: "Sources/QuetMaFlowsFFI")]
let appFFIDependency: Target.Dependency = useXCFramework ? "QuetMaCoreFFI" : "QuetMaFlowsFFI"

let package = Package(
    name: "QuetMa",
    platforms: [.iOS(.v17), .macOS(.v14)],   // Observation (@Observable)
    products: [
        .library(name: "QuetMaKit", targets: ["QuetMaKit", "QuetMaCore", "QuetMaFlows"]),
    ],
    targets: appFFI + [
        ffiTarget,
        // The app's screen flows: view models, events, effects (core's own types).
        .target(
            name: "QuetMaFlows",
            dependencies: [appFFIDependency],
            path: "Sources/QuetMaFlows",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .target(
            name: "QuetMaCore",
            dependencies: ["QuetMaCoreFFI", "QuetMaFlows"],
            path: "Sources/QuetMaCore",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .target(
            name: "QuetMaKit",
            dependencies: ["QuetMaCore", "QuetMaFlows"],
            path: "Sources/QuetMaKit",
            swiftSettings: strict
        ),
        .testTarget(
            name: "QuetMaKitTests",
            dependencies: ["QuetMaKit", "QuetMaCore", "QuetMaFlows"],
            path: "Tests/QuetMaKitTests",
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
